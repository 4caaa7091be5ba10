"""Valid submissions for every Kunming form (forms/km_*.yaml).

FILE marks a file field: the driver uploads a real small PDF to the case and puts
the attachment ids in its place (the API accepts only attachments of the case).
"""

from __future__ import annotations

FILE = "@file"
F = [FILE]

APPLICATION = {
    "base_name": "昆明示例创业园", "county": "wuhua", "operator_name": "昆明示例创业园运营有限公司",
    "credit_code": "91530102MA6K3B7Q2A", "operator_nature": "有限责任公司",
    "legal_representative": "张三", "operator_registered_on": "2018-05-10",
    "registered_address": "昆明市五华区示例路1号", "contact_person": "李四",
    "contact_phone": "13800000000", "base_established_on": "2019-06-01", "main_sector": "services",
    "lead_industries": ["software_it", "e_commerce"], "main_business": "软件及信息技术服务企业孵化",
    "enterprise_count": 60, "small_micro_count": 50, "lead_industry_enterprise_count": 52,
    "employee_count": 800, "service_staff_count": 12, "qualified_staff_count": 10,
    "mentor_count": 4, "partner_agency_count": 6, "free_service_share": "25",
    "satisfaction_rate": "92.5", "last_year_revenue": "1200", "fee_reduction": "85",
    "site_area_m2": "5200", "public_service_area_m2": "800",
    "main_facilities": "共享会议室、路演厅、信息服务平台",
    "enterprise_growth_pct": "12.5", "employee_growth_pct": "11", "innovation_growth_pct": "15",
    "service_functions": ["info", "coaching", "innovation", "training", "financing"],
    "info_service_visits": 60, "info_service_events": 6, "coaching_visits": 40,
    "innovation_events": 6, "training_person_times": 350, "financing_visits": 25,
    "financing_events": 3,
    "staff_list": [{"staff_name": "王五", "position": "运营总监", "education": "bachelor",
                    "is_mentor": True}],
    "resident_enterprises": [{"enterprise_name": "昆明云码科技有限公司", "entered_on": "2021-03-01",
                              "employees": 25}],
    "yearly_operations": [
        {"year": 2024, "enterprise_count": 53, "small_micro_count": 44,
         "small_micro_employees": 700},
        {"year": 2025, "enterprise_count": 60, "small_micro_count": 50,
         "small_micro_employees": 800}],
    "yearly_innovation": [{"year": 2024, "total_results": 40}, {"year": 2025, "total_results": 46}],
    "service_activities": [{"activity_type": "training", "description": "创业培训班",
                            "sessions": 12}],
    "satisfaction_survey": [{"enterprise_name": "昆明云码科技有限公司",
                             "satisfaction": "satisfied"}],
    "partner_agencies": [{"agency_name": "云南示例律师事务所"}],
    "application_report": F, "business_license": F, "site_title_or_lease": F,
    "enterprise_licenses": F, "audit_report": F, "management_rules": F, "service_evidence": F,
    "staff_credentials": F, "partner_contracts": F, "commitment": True,
}
# Fails the pre-check on one condition only: 从业人员 < 500.
APPLICATION_FEW_EMPLOYEES = {**APPLICATION, "employee_count": 450}

COUNTY_APPROVE = {"assessment": "对照第六条、第七条逐项测评，符合条件。", "decision": "approve"}
COUNTY_RETURN = {"assessment": "审计报告缺页。", "decision": "return",
                 "decision_reason": "请补充上一年度财务审计报告全文。",
                 "corrections": [{"item": "audit_report", "note": "上传审计报告全文。"}]}
COUNTY_REJECT = {"assessment": "不符合条件。", "decision": "reject",
                 "decision_reason": "入驻小微企业不足40家。"}
COUNTY_FALSIFIED = {"assessment": "材料存疑。", "falsified": True,
                    "falsified_reason": "入驻企业名录中12家企业经核实未入驻。",
                    "decision": "approve"}
COUNTY_OVERRIDE = {"assessment": "从业人员统计口径差异，经核实符合。", "precheck_override": True,
                   "precheck_override_reason":
                       "社保口径外另有灵活用工人员，经核实符合第六条第三项。",
                   "decision": "approve"}


def site_inspection(sampled: int = 5, satisfied: int = 5, decision: str = "approve") -> dict:
    """The county's spot-check: `sampled` enterprises asked, `satisfied` of them satisfied."""
    sample = [{"enterprise_name": f"抽查企业{i + 1}",
               "satisfaction": "satisfied" if i < satisfied else "unsatisfied"}
              for i in range(sampled)]
    data = {"inspection_date": "2026-04-10", "inspectors": "张丽、陈刚",
            "satisfaction_sample": sample, "site_findings": "场地、服务平台与申报一致。",
            "meets_conditions": True, "recommendation_opinion": "同意推荐。",
            "recommendation_summary_table": F, "decision": decision}
    if decision != "approve":
        data["decision_reason"] = "不同意推荐。"
    return data


EXPERTS = ["km_expert1", "km_expert2", "km_expert3"]
ASSIGN_EXPERTS = {"experts": EXPERTS}


def expert_opinion(score: int = 86) -> dict:
    return {"score": score, "opinion": "服务功能完善，示范作用明显。", "recommend": True}


EXPERT_APPROVE = {"summary": "专家一致建议推荐。", "decision": "approve"}
EXPERT_REJECT = {"summary": "评分靠后。", "decision": "reject", "decision_reason": "择优未入选。"}
VERIFY_APPROVE = {"verification_date": "2026-09-10", "verifiers": "王芳、刘洋",
                  "findings": "核查属实。", "decision": "approve"}
NOTICE = {"notice_start": "2026-09-28", "notice_url": "https://gxj.km.gov.cn/notice/2026-15"}
NO_OBJECTION = {"has_objection": False}
OBJECTION = {"has_objection": True, "objection_list": [
    {"received_on": "2026-10-09", "objector": "某入驻企业",
     "content": "反映基地未提供所称的投融资服务。"}]}
FINDINGS = [{"objector": "某入驻企业", "received_on": "2026-10-09",
             "finding": "基地提供了投融资对接服务记录。", "upheld": False}]
INVESTIGATE_OK = {"objection_findings": FINDINGS,
                  "findings": "经核实，基地已提供投融资对接服务，异议不成立。",
                  "decision": "approve"}
INVESTIGATE_REJECT = {"objection_findings": [{**FINDINGS[0], "upheld": True}],
                      "findings": "异议属实。", "decision": "reject",
                      "decision_reason": "经核实，投融资服务数据不实。"}
RECOGNIZE = {"meeting_date": "2026-11-18", "decision": "approve", "recognized_on": "2026-11-20",
             "certificate_no": "昆工信〔2026〕88号-015", "plaque_note": "已颁发牌匾。"}


# --- the re-application in the expiry year (the full procedure again, on a child case) ---------

REAPPLICATION = {**APPLICATION, "enterprise_count": 70, "small_micro_count": 58,
                 "lead_industry_enterprise_count": 60, "employee_count": 950}
NOTICE_AGAIN = {"notice_start": "2029-05-07", "notice_url": "https://gxj.km.gov.cn/notice/2029-04"}
RECOGNIZE_AGAIN = {"meeting_date": "2029-06-10", "decision": "approve",
                   "recognized_on": "2029-06-12",
                   "certificate_no": "昆工信〔2029〕20号-003", "plaque_note": "换发牌匾。"}
REJECT_AGAIN = {"meeting_date": "2029-06-10", "decision": "reject",
                "decision_reason": "服务满意度下降，不再符合第六条第（六）项。"}
NOTICE_ENDED = "2029-06-01T00:00"


def reapplication_steps(decision: dict = RECOGNIZE_AGAIN, start: str = "2029-02-01") -> list:
    """The re-application's steps in order: (username, task, data, when); a step without a task
    runs the timers at `when`. `start` is the submission day; the rest follow in 2029."""
    return [
        ("km_applicant", "submit_rereview", REAPPLICATION, f"{start}T09:00"),
        ("km_county_wuhua", "county_review", COUNTY_APPROVE, "2029-03-01T09:00"),
        ("km_county_wuhua", "site_inspection", site_inspection(6, 6), "2029-03-10T09:00"),
        ("km_city", "assign_experts", ASSIGN_EXPERTS, "2029-03-20T09:00"),
        *[(expert, "expert_review", expert_opinion(85), "2029-04-01T09:00") for expert in EXPERTS],
        ("km_city", "expert_decision", EXPERT_APPROVE, "2029-04-10T09:00"),
        ("km_city", "site_verification", VERIFY_APPROVE, "2029-04-20T09:00"),
        ("km_city", "publish_notice", NOTICE_AGAIN, "2029-05-07T09:00"),
        (None, None, None, NOTICE_ENDED),
        ("km_city", "register_objections", NO_OBJECTION, "2029-06-01T09:00"),
        ("km_city", "collective_decision", decision, "2029-06-12T09:00"),
    ]


# --- follow-up procedures on a recognised title ------------------------------------------------

SUMMARY = {"work_summary": "2026年新增入驻企业8家，开展创业培训12场。",
           "work_plan": "2027年建设路演中心。",
           "enterprise_count": 68, "small_micro_count": 56, "employee_count": 900,
           "summary_file": F}
COUNTY_SUMMARY_REPORT = {"opinion": "已督促检查，材料齐全。", "reported_on": "2027-02-20"}
CITY_SUMMARY_RECEIPT = {"received_on": "2027-02-25", "note": "已接收。"}
MISSED_SUMMARY_RECORD = {"action": "record", "note": "1月底前未报送，记录在案。"}


def change_filing(changed_on: str, new_name: str = "昆明示例创新创业园") -> dict:
    """A change of the base's name completed on `changed_on`."""
    return {"change_type": "base_name", "old_value": APPLICATION["base_name"],
            "new_value": new_name, "changed_on": changed_on,
            "description": "经股东会决议，基地更名。", "evidence": F}


CHANGE_COUNTY = {"verified": True, "opinion": "已核实更名情况，同意报备。"}
CHANGE_ACCEPT = {"decision": "accept"}
EVALUATION_FAIL = {"method": "third_party", "evaluator": "云南示例评估咨询有限公司",
                   "evaluated_on": "2027-09-15", "findings": "服务活动记录不实，满意度仅62%。",
                   "report": F, "result": "fail"}
EVALUATION_PASS = {**EVALUATION_FAIL, "findings": "运营规范，服务成效明显。", "result": "pass"}
CANCELLATION = {"decision_document_no": "昆工信〔2027〕31号", "decision_date": "2027-10-10",
                "plaque_recalled": True, "plaque_recalled_on": "2027-10-20",
                "announcement_url": "https://gxj.km.gov.cn/notice/2027-31",
                "announcement_date": "2027-10-11"}
VIOLATION = {"revocation_ground": "illegal_act",
             "facts": "基地运营主体2027年因虚开发票受到税务行政处罚。",
             "evidence": F, "decision": "revoke"}
