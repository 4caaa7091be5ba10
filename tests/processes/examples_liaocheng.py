"""Valid submissions for every Liaocheng form (forms/lc_*.yaml).

FILE marks a file field: the driver uploads a real small file to the case and puts
the attachment ids in its place.
"""

from __future__ import annotations

FILE = "@file"
F = [FILE]

APPLICATION = {
    "base_name": "东昌府区创业创新示范园", "base_type": "incubator",
    "operator_name": "聊城市东昌府区创业园运营有限公司", "credit_code": "91371502MA3C8K2L1N",
    "county": "dongchangfu", "base_address": "聊城市东昌府区东昌路1号",
    "legal_representative": "张三", "contact_person": "李四", "contact_phone": "0635-8888888",
    "operator_registered_on": "2018-05-10", "base_established_on": "2019-01-01",
    "registered_in_city": True, "enterprise_count": 60, "small_micro_count": 52,
    "employee_count": 820, "service_staff_count": 9, "partner_agency_count": 6,
    "free_service_share": "35", "service_year": 2025,
    "service_functions": ["info", "coaching", "training", "financing", "professional"],
    "info_service_visits": 120, "info_service_events": 12, "coaching_visits": 35,
    "training_person_times": 640, "financing_visits": 28, "financing_events": 3,
    "professional_visits": 45,
    "staff_list": [{"name": "王五", "position": "服务部经理"}],
    "enterprise_list": [{"enterprise_name": "聊城某科技有限公司",
                         "credit_code": "91371502MA3D1E2F30", "enterprise_size": "small"}],
    "application_report": F, "license_copy": F, "property_documents": F, "audit_report": F,
    "staff_qualifications": F, "partner_agency_documents": F, "enterprise_licenses": F,
    "typical_cases": F, "service_evidence": F, "authenticity_declaration": F,
    "service_ledger": F, "commitment": True,
}
# Fails the pre-check on 入驻小微企业 (< 25) only.
APPLICATION_FEW_ENTERPRISES = {**APPLICATION, "small_micro_count": 10}

COUNTY_APPROVE = {"review_opinion": "材料齐全，符合第五条至第八条。", "decision": "approve"}
COUNTY_RETURN = {"review_opinion": "缺审计报告。", "decision": "return",
                 "decision_reason": "请补充上年度专项审计报告。",
                 "corrections": [{"item": "audit_report", "note": "上传专项审计报告。"}]}
COUNTY_REJECT = {"review_opinion": "不符合条件。", "decision": "reject",
                 "decision_reason": "入驻小微企业不足25家。"}
COUNTY_FALSIFIED = {"review_opinion": "入驻企业名单与实际不符。", "falsified": True,
                    "falsified_reason": "名单中12家企业未实际入驻。", "decision": "approve"}
SITE_AUDIT = {"audit_date": "2026-03-20", "inspectors": "张伟、刘强",
              "findings": "场地、台账与申报一致。", "audit_record": F, "decision": "approve"}
RECOMMENDATION = {"initial_opinion": "初审合格，同意推荐。", "document_no": "东工信发〔2026〕12号",
                  "recommended_on": "2026-03-25", "recommendation_letter": F}
EXPERTS = ["lc_expert1", "lc_expert2", "lc_expert3"]
ASSIGN_EXPERTS = {"experts": EXPERTS}


def expert_opinion(score: int = 85, site_check: bool = False) -> dict:
    data = {"score": score, "operation_opinion": "运营规范。",
            "capability_opinion": "服务功能齐全。", "performance_opinion": "服务绩效突出。",
            "recommend": True, "site_check_needed": site_check}
    if site_check:
        data["site_check_reason"] = "核实培训人次。"
    return data


EXPERT_APPROVE = {"review_conclusion": "专家一致推荐。", "decision": "approve"}
EXPERT_APPROVE_SITE_CHECK = {"review_conclusion": "需核实培训数据。", "site_check_required": True,
                             "site_check_focus": "培训台账", "decision": "approve"}
EXPERT_REJECT = {"review_conclusion": "服务绩效不足。", "decision": "reject",
                 "decision_reason": "平均分低于60分。"}
SITE_CHECK = {"check_date": "2026-06-10", "inspectors": "陈刚", "findings": "培训台账属实。",
              "decision": "approve"}
NOTICE = {"notice_start": "2026-09-28", "notice_url": "https://gxj.liaocheng.gov.cn/gs/2026-1"}
NO_OBJECTION = {"has_objection": False}
OBJECTION = {"has_objection": True, "objection_list": [
    {"received_on": "2026-10-09", "objector": "某入驻企业", "content": "基地收费高于公示标准。"}]}
INVESTIGATE_OK = {"findings": "收费符合公示标准，异议不成立。", "decision": "approve"}
INVESTIGATE_REJECT = {"findings": "存在超标准收费。", "decision": "reject",
                      "decision_reason": "异议成立。"}
RECOGNIZE = {"decision": "approve", "recognized_on": "2026-10-20",
             "certificate_no": "LCSF-2026-008", "publication_doc_no": "聊工信字〔2026〕45号"}

# The re-review is the application procedure again (Art. 16): the same form, newer figures.
REREVIEW_APPLICATION = {**APPLICATION, "small_micro_count": 58, "enterprise_count": 70,
                        "employee_count": 900, "service_year": 2030}
REREVIEW_FEW_ENTERPRISES = {**REREVIEW_APPLICATION, "small_micro_count": 12}
OVERRIDE_REASON = "入驻小微企业户数按孵化协议口径核实为 32 户。"

# Art. 7: five functions ticked, financing short of its yearly figures, four reach theirs.
APPLICATION_ONE_FUNCTION_SHORT = {**APPLICATION, "financing_events": 1}
APPLICATION_TWO_FUNCTIONS_SHORT = {**APPLICATION, "financing_events": 1, "coaching_visits": 3}

# Art. 14 / 15: the yearly summary, the county's check, the city's acknowledgement.
SUMMARY = {"summary_text": "全年服务入驻企业260家次，组织培训12场。", "small_micro_count": 55,
           "employee_count": 860, "services_delivered": 260, "satisfaction_rate": 92,
           "summary_file": F, "base_statistics_file": F}
COUNTY_CHECK = {"ledger_check": "good", "quality_check": "good", "fee_check": "good",
                "satisfaction_check": "good", "check_findings": "台账完整，收费符合公示标准。",
                "report_file": F, "reported_on": "2027-01-18"}
CITY_ACK = {"acknowledged_on": "2027-01-25", "remarks": "已收悉。"}
OVERDUE_REVOKE = {"decision": "revoke",
                  "facts": "截至1月10日未报送2026年度工作总结，经电话催告仍未报送。"}
OVERDUE_URGE = {"decision": "urge", "facts": "逾期未报送。", "new_due_on": "2027-01-20",
                "note": "请于1月20日前补报。"}

# Art. 15: a change of name filed through the county to the city.
CHANGE = {"change_completed_on": "2026-11-02", "new_base_name": "聊城东昌府创新创业示范园",
          "new_legal_representative": "王六", "change_evidence": F}
CHANGE_COUNTY = {"opinion": "变更属实。", "decision": "approve"}
CHANGE_CITY = {"opinion": "同意备案。", "decision": "approve"}

# Art. 18: revocation decision and its execution.
REVOKE = {"revocation_ground": "3", "facts": "未报送2026年度工作总结。", "decision": "revoke",
          "decision_document_no": "聊工信字〔2027〕3号", "decision_date": "2027-02-20"}
REVOKE_FALSIFIED = {**REVOKE, "revocation_ground": "1", "facts": "申报材料中的入驻企业名单系伪造。"}
REVOCATION_EXECUTION = {"plaque_recalled": True, "plaque_recalled_on": "2027-03-01",
                        "plaque_note": "牌匾已由县工信局收回。", "announcement_date": "2027-03-02",
                        "announcement_url": "https://gxj.liaocheng.gov.cn/gg/2027-3"}
