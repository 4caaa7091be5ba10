"""Validation messages shown beside form fields, in Chinese (default) and English.

Form validation messages are rendered here rather than through the app's gettext catalogue
because the JSON API and the web page must give the same sentence for the same rule, and
formdefs imports nothing from Flask. Parameters use %-style names.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "required": {"zh": "此项为必填项。", "en": "This field is required."},
    "must_tick": {"zh": "请勾选此项。", "en": "Please tick this box."},
    "min": {"zh": "不能小于 %(min)s。", "en": "Must be at least %(min)s."},
    "max": {"zh": "不能大于 %(max)s。", "en": "Must be at most %(max)s."},
    "date_min": {"zh": "日期不能早于 %(min)s。", "en": "The date must not be before %(min)s."},
    "date_max": {"zh": "日期不能晚于 %(max)s。", "en": "The date must not be after %(max)s."},
    "min_length": {"zh": "至少填写 %(min)s 个字符。", "en": "Enter at least %(min)s characters."},
    "max_length": {"zh": "不能超过 %(max)s 个字符。", "en": "Enter at most %(max)s characters."},
    "pattern": {"zh": "格式不正确。", "en": "The format is not valid."},
    "choice": {"zh": "请从列表中选择有效的选项。", "en": "Choose a valid option from the list."},
    "credit_code": {
        "zh": "统一社会信用代码无效：应为18位，且校验位正确。",
        "en": "Invalid unified social credit code: 18 characters with a correct check digit.",
    },
    "date": {"zh": "请填写有效日期，格式为 YYYY-MM-DD。",
             "en": "Enter a valid date as YYYY-MM-DD."},
    "integer": {"zh": "请填写整数。", "en": "Enter a whole number."},
    "decimal": {"zh": "请填写数字（可带小数点）。",
                "en": "Enter a number (a decimal point is allowed)."},
    "min_rows": {"zh": "至少填写 %(min)s 行。", "en": "Add at least %(min)s row(s)."},
    "max_rows": {"zh": "最多填写 %(max)s 行。", "en": "Add at most %(max)s row(s)."},
    "min_choices": {"zh": "至少选择 %(min)s 项。", "en": "Choose at least %(min)s option(s)."},
    "max_choices": {"zh": "最多选择 %(max)s 项。", "en": "Choose at most %(max)s option(s)."},
    "min_files": {"zh": "至少上传 %(min)s 个文件。", "en": "Upload at least %(min)s file(s)."},
    "max_files": {"zh": "最多上传 %(max)s 个文件。", "en": "Upload at most %(max)s file(s)."},
    "min_items": {"zh": "至少填写 %(min)s 项。", "en": "Enter at least %(min)s item(s)."},
    "max_items": {"zh": "最多填写 %(max)s 项。", "en": "Enter at most %(max)s item(s)."},
    # one item of a list field: the position (1 = first line / first element) and the problem
    "list_item": {"zh": "第 %(n)s 项：%(problem)s", "en": "Item %(n)s: %(problem)s"},
    "item_line": {"zh": "每一项只能占一行。", "en": "Each item must be a single line."},
    "attachment": {"zh": "附件编号无效，请重新上传。",
                   "en": "Invalid attachment id; upload the file again."},
    "unknown_field": {"zh": "表单中没有此字段。", "en": "This form has no such field."},
    "not_object": {"zh": "数据应为 JSON 对象。", "en": "The data must be a JSON object."},
    "not_text": {"zh": "应为文本。", "en": "Must be a string."},
    "not_boolean": {"zh": "应为 true 或 false。", "en": "Must be true or false."},
    "not_list": {"zh": "应为字符串列表。", "en": "Must be a list of strings."},
    "not_rows": {"zh": "应为对象（行）的列表。", "en": "Must be a list of objects (rows)."},
    "not_row": {"zh": "每一行应为 JSON 对象。", "en": "Each row must be a JSON object."},
    "choose": {"zh": "请选择", "en": "Please choose"},
    # a file field offered as an item a return for correction may mark (choices_from: correctable)
    "material": {"zh": "材料：%(label)s", "en": "Material: %(label)s"},
    "bad_text": {"zh": "不能包含空字符（NUL）或无效的 Unicode 字符，请删除后重试。",
                 "en": "Must not contain NUL characters or invalid Unicode; remove them and try "
                       "again."},
}


def language(lang: str | None) -> str:
    """Return "en" for any English locale (en, en_US, en-GB), else "zh"."""
    return "en" if (lang or "").lower().startswith("en") else "zh"


def message(key: str, lang: str = "zh", **params) -> str:
    """Return message `key` in `lang` with `params` filled in; raise KeyError for an unknown key."""
    text = MESSAGES[key][language(lang)]
    return text % params if params else text
