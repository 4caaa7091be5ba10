"""Valid submissions for every Shanxi form (forms/sx_*.yaml) and the officials the tests create.

FILE marks a file field: the driver uploads a real small PDF to the case and puts the
attachment ids in its place. The county and city officials are created by the tests (the
demo ones live in the Jinzhong jurisdiction's files, which these tests do not rely on).
"""

from __future__ import annotations

FILE = "@file"
F = [FILE]

APPLICANT, PROVINCE, AUDITOR = "sx_applicant", "sx_province", "sx_auditor"
COUNTY, CITY = "sx_t_county_yuci", "sx_t_city_jinzhong"
OTHER_COUNTY, OTHER_CITY = "sx_t_county_xiaodian", "sx_t_city_taiyuan"
EXPERTS = ["sx_expert1", "sx_expert2", "sx_expert3"]
# `flask users create NAME ...` arguments of the officials the tests create.
OFFICIALS = {
    COUNTY: ["--role", "county", "--jurisdiction", "shanxi", "--county", "yuci"],
    CITY: ["--role", "city", "--jurisdiction", "shanxi", "--city", "jinzhong"],
    OTHER_COUNTY: ["--role", "county", "--jurisdiction", "shanxi", "--county", "xiaodian"],
    OTHER_CITY: ["--role", "city", "--jurisdiction", "shanxi", "--city", "taiyuan"],
}

APPLICATION = {
    "base_name": "榆次示例双创园", "county": "yuci",
    "operator_name": "晋中榆次示例双创园运营有限公司",
    "credit_code": "91530102MA6K3B7Q2A", "legal_representative": "张三", "contact_person": "李四",
    "contact_phone": "13800000000", "base_address": "晋中市榆次区示例路1号",
    "operator_registered_on": "2019-05-10", "base_established_on": "2020-06-01",
    "cultivation_months": 8, "cultivating_authority": "榆次区工业和信息化局",
    "base_type": "building",
    "site_area_m2": "6000", "enterprise_count": 40, "small_micro_count": 36,
    "workstation_startup_count": 3, "employee_count": 420, "service_staff_count": 12,
    "mentor_count": 4, "partner_agency_count": 6, "site_tenure": "leased", "lease_years": 8,
    "site_in_recognised_base": False,
    "service_functions": ["info", "coaching", "innovation", "training", "financing"],
    "pure_rental": False, "loss_making": False, "revenue_wan": "800",
    "application_report": F, "business_license": F, "site_documents": F, "audit_report": F,
    "resident_enterprise_list": F, "policy_documents": F, "service_ledger": F, "commitment": True,
}
CHECKLIST = ["three_areas", "three_functions", "three_goals", "have_staff", "have_site",
             "have_signage", "have_archives", "have_rules", "have_preferences", "have_ledger",
             "have_enterprises", "must_functions", "must_audit", "must_performance",
             "must_operation", "must_inspection", "must_cultivation"]
ALL_MET = {item: "yes" for item in CHECKLIST}
COUNTY_APPROVE = {**ALL_MET, "have_site_remark": "租赁协议第3页，期限8年。",
                  "assessment": "对照“3个三、8个有、6个要”逐项审核，符合。", "decision": "approve"}
COUNTY_RETURN = {**ALL_MET, "assessment": "审计报告缺少二维码。", "decision": "return",
                 "decision_reason": "请补充带可查询二维码的专项审计报告。",
                 "corrections": [{"item": "audit_report", "note": "上传带二维码的审计报告。"}]}
COUNTY_REJECT = {**ALL_MET, "must_performance": "no", "assessment": "经营业绩差。",
                 "decision": "reject", "decision_reason": "不符合“6个要”第3项。"}
# The county records the finding and does not approve: the case ends with the finding's outcome.
COUNTY_INSIDE_BASE = {**COUNTY_APPROVE, "have_site": "no", "site_in_recognised_base": True,
                      "recognised_base_name": "晋中国家级示范双创园", "decision": "reject",
                      "decision_reason": "场地位于已认定的省级双创基地范围内。"}
COUNTY_LOSS_RENTAL = {**COUNTY_APPROVE, "must_performance": "no",
                      "loss_making_pure_rental": True, "decision": "reject",
                      "decision_reason": "单纯租赁场地且上年度运营亏损。"}
COUNTY_OVERRIDE = {**COUNTY_APPROVE, "precheck_override": True,
                   "precheck_override_reason": "经县级核实，培育辅导记录口径差异，实际满六个月。"}

INSPECTORS = [{"inspector_name": "王强", "inspector_unit": "榆次区工信局 科长"},
              {"inspector_name": "赵敏", "inspector_unit": "榆次区工信局 科员"}]
SIX_CHECKS = ["check_enterprises", "check_site_documents", "check_audit_report", "check_finance",
              "check_ledger", "check_signage"]


def site_inspection(decision: str = "approve") -> dict:
    data = {"inspection_date": "2026-03-20", "inspectors": INSPECTORS, "enterprises_counted": 40,
            **{check: "yes" for check in SIX_CHECKS}, "inspection_form": F,
            "site_findings": "六查看均符合。", "decision": decision}
    if decision != "approve":
        data.update(check_enterprises="no", decision_reason="实际入驻企业仅18户，不达标。")
    return data


RECOMMEND = {"recommendation_opinion": "同意推荐。", "recommendation_document": F,
             "decision": "approve"}
NOT_RECOMMEND = {"recommendation_opinion": "暂缓。", "recommendation_document": F,
                 "decision": "reject", "decision_reason": "本年度不予推荐。"}
CITY_APPROVE = {"review_opinion": "经实地查勘，同意推荐至省局。", "decision": "approve"}
CITY_RETURN = {"review_opinion": "推荐文件缺少盖章。", "decision": "return",
               "decision_reason": "请县级重新行文推荐。"}
CITY_REJECT = {"review_opinion": "不符合。", "decision": "reject",
               "decision_reason": "实际入驻率低。"}
PROVINCE_APPROVE = {"paper_matches_electronic": True, "review_opinion": "材料齐全，受理。",
                    "decision": "approve"}
PROVINCE_RETURN = {"paper_matches_electronic": True, "review_opinion": "市级意见不完整。",
                   "decision": "return", "decision_reason": "请市级补充审核意见。"}
PROVINCE_REJECT = {"paper_matches_electronic": True, "review_opinion": "不予受理。",
                   "decision": "reject", "decision_reason": "电子版与纸质版不一致。"}
ASSIGN_EXPERTS = {"experts": EXPERTS}


def expert_opinion(score: int = 86) -> dict:
    return {"score": score, "opinion": "“3个三、8个有、6个要”落实到位。", "recommend": True}


EXPERT_APPROVE = {"summary": "专家一致建议认定。", "decision": "approve"}
EXPERT_REJECT = {"summary": "服务功能薄弱。", "decision": "reject",
                 "decision_reason": "评审未通过。"}
NOTICE = {"notice_start": "2026-06-01", "notice_url": "https://gxt.shanxi.gov.cn/notice/2026-8"}
# 10 working days (product default) from Monday 2026-06-01, the day counted: the last notice day
# is Friday 2026-06-12, so the notice ends at 2026-06-13 00:00 (Asia/Shanghai).
NOTICE_ENDS = "2026-06-13T00:00"
RECOGNIZE = {"has_objection": False, "decision": "approve", "recognized_on": "2026-06-25",
             "certificate_no": "晋企发〔2026〕12号-007"}
NOT_RECOGNIZE = {"has_objection": True, "objection_handling": "异议属实。", "decision": "reject",
                 "decision_reason": "公示期异议经核实属实。"}


def quarter(enterprises: int, revenue: str, taxes: str, employees: int) -> dict:
    return {"enterprise_count": enterprises, "revenue_wan": revenue, "taxes_wan": taxes,
            "employee_count": employees}


SUMMARY = {"measures": "开展创业培训12场。", "indicators": "入驻企业45户，营业收入2.1亿元。",
           "incubation_results": "孵化小升规企业2家。", "problems": "投融资服务不足。",
           "work_plan": "引进创投基金。", "summary_file": F}
COUNTY_SUMMARY = {"archived": True, "guidance": "已归档，督促加强投融资服务。"}
EVALUATION_PASS = {"evaluation_year": 2026, "findings": "运营规范。", "result": "pass"}


def evaluation_fail(deadline: str = "2027-06-30") -> dict:
    return {"evaluation_year": 2026, "findings": "服务台账缺失。", "result": "fail",
            "rectification_requirements": "建立服务台账。", "rectification_deadline": deadline}


RECTIFICATION = {"measures": "已建立服务台账并上墙公开制度。", "evidence": F}
RECHECK_PASS = {"findings": "整改到位。", "result": "pass"}
RECHECK_FAIL = {"findings": "仍无服务台账。", "result": "fail"}
REVOCATION = {"decision_reason": "经整改仍不合格", "decision_document_no": "晋企发〔2027〕30号",
              "decision_date": "2027-07-20", "plaque_recalled": True,
              "announcement_url": "https://gxt.shanxi.gov.cn/notice/2027-30",
              "announcement_date": "2027-07-21"}
CLOSURE = {"closed_on": "2026-12-01", "closure_facts": "运营主体已注销，场地已转作他用。",
           "assessment": "经评估研究，已无法整改。", "cannot_rectify": True, "evidence": F}
CLOSURE_CITY_APPROVE = {"review_opinion": "经审核，同意上报省局。", "decision": "approve"}
CLOSURE_CITY_REJECT = {"review_opinion": "基地仍在运营。", "decision": "reject",
                       "decision_reason": "经核实基地仍在运营。"}
CLOSURE_PROVINCE_APPROVE = {"review_opinion": "同意撤销。", "decision": "approve"}
CLOSURE_PROVINCE_REJECT = {"review_opinion": "材料不足。", "decision": "reject",
                           "decision_reason": "关停事实证据不足。"}
CLOSED_REVOCATION = {**REVOCATION, "decision_reason": "基地已关停倒闭，无法整改",
                     "decision_document_no": "晋企发〔2027〕5号", "decision_date": "2027-03-10",
                     "announcement_date": "2027-03-11"}
