// The modeler page's own words in the page language (zh default, en on request).
const ZH = {
  group: '本产品读取的属性', lane: '泳道 / 办理级别', laneValue: '{level}（{name}）', noLane: '不在任何泳道中',
  levels: { applicant: '申报主体', county: '县级', city: '市级', province: '省级', expert: '评审专家' },
  none: '（无）', form: '表单（formId）', unknownForm: '未知表单', preview: '预览表单',
  editForm: '在表单编辑器中打开', noSource: '此表单的源文件不在本版本中，请在表单编辑器中预览。',
  decision: '决策表（calledDecisionId）', editDecision: '打开决策表编辑器',
  variable: '数据键（variableName）', variableHelp: '提交的表单数据存入案件数据的这个键；留空则用任务编号。',
  due: '办理时限（工作日，dueWorkingDays）', dueHelp: '从任务到达次日起算的工作日数，按真实日历（法定节假日、调休）。',
  wholeDays: '须为正整数。',
  dueRule: '期限依据（dueRule）', dueRuleHelp: '显示在期限下方：引用设定期限的条款，或以“产品默认：”开头。',
  timerKind: '定时类型', timeDate: '到期时刻（timeDate）', timeDuration: '持续时间（timeDuration）',
  timer: '定时表达式', timerHelp: '受限 Python 表达式，文字须加引号。可用的工作日函数：',
  helpers: [
    ['add_working_days(日期, n, 首日计入=True)', '第 n 个工作日 24 时'],
    ['end_of_day(日期)', '该日 24 时'], ['add_days(日期, n)', '加 n 个自然日'],
    ['add_years(日期, n)', '加 n 年'], ['today()', '案件时钟的今天'],
    ['start_of_year(日期)', '该年 1 月 1 日 0 时'], ['is_working_day(日期)', '是否工作日'],
  ],
  previewStart: '示例起始日', previewData: '示例数据（JSON）', previewButton: '预览日期',
  previewResult: '结果：{date}（{value}），自起始日起第 {days} 个工作日',
  badJson: '示例数据不是合法的 JSON 对象。',
  script: '脚本（受限 Python）', scriptHelp: '在受限环境中运行：不能 import，只能使用白名单内置函数和工作日函数。',
  clause: '依据条款（documentation）', clauseHelp: '须引用《办法》第…条，或注明“产品默认”。',
  clauseMissing: '未引用第…条，也未注明“产品默认”。',
};
const EN = {
  group: 'Properties this product reads', lane: 'Lane / level', laneValue: '{level} ({name})', noLane: 'In no lane',
  levels: { applicant: 'Applicant', county: 'County', city: 'City', province: 'Province', expert: 'Expert' },
  none: '(none)', form: 'Form (formId)', unknownForm: 'unknown form', preview: 'Preview form',
  editForm: 'Open in the form editor', noSource: 'This version does not hold the form source; preview it in the form editor.',
  decision: 'Decision table (calledDecisionId)', editDecision: 'Open the decision table editor',
  variable: 'Data key (variableName)', variableHelp: 'The submitted form lands in the case data under this key; empty: the task id.',
  due: 'Due (working days, dueWorkingDays)', dueHelp: 'Working days counted from the day after the task arrives, on the real calendar.',
  wholeDays: 'Must be a positive whole number.',
  dueRule: 'Deadline rule (dueRule)', dueRuleHelp: 'Shown under the deadline: the clause that sets it, or “产品默认：” first.',
  timerKind: 'Timer type', timeDate: 'Due instant (timeDate)', timeDuration: 'Duration (timeDuration)',
  timer: 'Timer expression', timerHelp: 'A restricted Python expression; quote text. Working-day helpers:',
  helpers: [
    ['add_working_days(day, n, count_first=True)', 'end of the n-th working day'],
    ['end_of_day(day)', '24:00 of that day'], ['add_days(day, n)', 'n calendar days later'],
    ['add_years(day, n)', 'n years later'], ['today()', "the case clock's today"],
    ['start_of_year(day)', '1 January 00:00'], ['is_working_day(day)', 'whether it is a working day'],
  ],
  previewStart: 'Sample start day', previewData: 'Sample data (JSON)', previewButton: 'Preview date',
  previewResult: 'Result: {date} ({value}), working day {days} from the start',
  badJson: 'The sample data is not a JSON object.',
  script: 'Script (restricted Python)', scriptHelp: 'Runs restricted: no imports, whitelisted builtins and the working-day helpers only.',
  clause: 'Clause cited (documentation)', clauseHelp: 'Cite the regulation\'s article (第…条) or say 产品默认 (product default).',
  clauseMissing: 'Cites no article (第…条) and does not say 产品默认.',
};

export const lang = document.documentElement.lang === 'en' ? 'en' : 'zh';
export const text = lang === 'en' ? EN : ZH;

export function fill(template, values) {
  return template.replace(/{(\w+)}/g, (_, key) => (key in values ? values[key] : `{${key}}`));
}

Object.assign(ZH, {
  noProblems: '没有发现问题（{by}）', problemCount: '{n} 个问题（{by}）',
  byLint: '编辑时检查', byServer: '服务器检查',
  checking: '正在检查…', saving: '正在保存…', saved: '已保存为草稿 v{n}。',
  versionsLink: '查看版本与发布', leave: '有未保存的修改，确定离开？', failed: '失败：',
  englishName: '英文名称 / English name（en:name）',
  englishNameHelp: '英文界面显示的名称；留空则英文界面显示中文名称，检查时提示。',
  dueRuleEnglish: '期限依据英文 / Deadline rule in English（en:dueRule）',
  dueRuleEnglishHelp: '英文界面在期限下方显示：以“Product default:”开头，或引用条款（Art. …）。',
  notEnglish: '此处填写英文，不含中文。',
});
Object.assign(EN, {
  noProblems: 'No problems found ({by})', problemCount: '{n} problem(s) ({by})',
  byLint: 'rules while drawing', byServer: 'server check',
  checking: 'Checking…', saving: 'Saving…', saved: 'Saved as draft v{n}.',
  versionsLink: 'Versions and publishing', leave: 'Unsaved changes: leave anyway?', failed: 'Failed: ',
  englishName: 'English name (en:name)',
  englishNameHelp: 'The name the English interface shows; empty: it shows the Chinese name, and the check warns.',
  dueRuleEnglish: 'Deadline rule in English (en:dueRule)',
  dueRuleEnglishHelp: 'Shown under the deadline in English: “Product default:” first, or the clause (Art. …).',
  notEnglish: 'Write English here, without Chinese.',
});
