"""Valid submissions for every Jinzhong form (forms/jz_*.yaml).

FILE marks a file field: the driver uploads a real small PDF to the case and puts
the attachment ids in its place. APPLICATION sits exactly on several thresholds of
市工信企业发〔2025〕91号 (small and micro share 80 %, workstation start-ups 20 % of the
building type's 25, rent 20 % below the inquiry average), so each boundary test moves one
value by one.
"""

from __future__ import annotations

FILE = "@file"
F = [FILE]


def inquiry(*distances: float, rent: int = 200, same_county: bool = False) -> list[dict]:
    """附件4 rows: one comparable site per distance (km), each at `rent` yuan/m²/year."""
    return [{"site_name": f"周边楼宇{i + 1}", "distance_km": str(d), "same_county": same_county,
             "rent_yuan": str(rent), "contact_person": "王经理", "contact_phone": "0354-2000000"}
            for i, d in enumerate(distances)]


APPLICATION = {
    "base_name": "晋中示例双创园", "county": "yuci", "base_type": "building",
    "lead_industry": "软件和信息技术服务", "industry_types": ["information_network", "design"],
    "authority": "榆次区工业和信息化局", "base_address": "晋中市榆次区示例路1号",
    "operator_name": "晋中示例双创园运营有限公司", "operator_registered_on": "2020-05-10",
    "credit_code": "91530102MA6K3B7Q2A", "legal_representative": "张三",
    "contact_phone": "0354-2639000", "independent_legal_person": True, "financial_system": True,
    "service_agency_name": "晋中示例创业服务中心", "service_agency_established_on": "2020-06-01",
    "service_staff_count": 12, "bachelor_staff_count": 9, "qualified_staff_count": 6,
    "mentor_count": 4, "partner_agency_count": 6,
    "site_area_m2": "8000", "investment_wan": "1500", "construction_period": "2020年至2021年",
    "built_area_m2": "7500", "under_construction_area_m2": "0",
    "enterprise_count": 40, "small_micro_count": 32, "workstation_startup_count": 5,
    "employee_count": 600, "graduated_count": 6,
    "site_tenure": "leased", "lease_years": 8, "tenant_investment_wan": "300",
    "project_content": "改造孵化区、成长区和公共服务区。", "project_manager": "李四",
    "project_phone": "13800000000", "project_total_investment_wan": "1500",
    "fixed_asset_investment_wan": "1200", "fixed_asset_completed_wan": "1200",
    "funds_self_wan": "1500", "funds_loan_wan": None, "funds_government_wan": None,
    "funds_other_wan": None,
    "service_functions": ["info", "coaching", "training", "financing", "professional"],
    "base_rent_yuan": "160", "rent_inquiry": inquiry(1.2, 2.5, 3),
    "application_report": F, "application_form": F, "enterprise_roster": F,
    "business_license": F, "development_plan": F, "staff_and_services": F,
    "preferential_policies": F, "site_title_or_lease": F, "financial_statements": F,
    "audit_report": F, "rent_inquiry_form": F, "commitment_letter": F, "commitment": True,
}


# 附件5: the conditions, service functions and materials of forms/jz_county_review.yaml.
REVIEW_ITEMS = [
    "cond_operator",
    "cond_management",
    "cond_enterprises",
    "cond_staff",
    "cond_site",
    "cond_industry",
    "cond_policy",
    "fn_info",
    "fn_coaching",
    "fn_innovation",
    "fn_training",
    "fn_marketing",
    "fn_financing",
    "fn_consulting",
    "fn_professional",
    "mat_application_form",
    "mat_enterprise_roster",
    "mat_business_license",
    "mat_development_plan",
    "mat_staff_services",
    "mat_policies",
    "mat_site_title",
    "mat_financial",
    "mat_audit",
    "mat_rent_inquiry",
    "mat_commitment",
    "mat_site_inspection_form",
    "mat_three_threes",
    "mat_eight_haves",
]


def county_review(decision: str = "approve", reason: str | None = None, **extra) -> dict:
    """附件5: every condition, service function and material with pages and 符合."""
    data = {}
    for item in REVIEW_ITEMS:
        data[f"{item}_pages"] = "第3-5页"
        data[f"{item}_ok"] = "yes"
    data.update({"audit_opinion": "经审核，资料齐全，符合申报条件。", "reviewers": "刘海燕、陈刚",
                 "reviewed_on": "2026-03-10", "preliminary_review_form": F,
                 "decision": decision, **extra})
    if reason:
        data["decision_reason"] = reason
    return data


COUNTY_APPROVE = county_review()
COUNTY_RETURN = county_review("return", "请补充专项审计报告的二维码页。", corrections=[
    {"item": "audit_report", "note": "补充二维码页。"}])
COUNTY_REJECT = county_review("reject", "入驻企业实际入驻率低。")
COUNTY_VETO = county_review("veto", "入驻企业名单中12家企业经核实从未入驻，资料弄虚作假。")
COUNTY_OVERRIDE = county_review(
    precheck_override=True,
    precheck_override_reason="新模式的共享工位基地，经县局同意推荐并附推荐理由，适当放宽（第一部分（八））。")


def site_inspection(decision: str = "approve", reason: str | None = None) -> dict:
    """附件6: the 12 items, the inspectors and the date."""
    data = {"site_base_name": "晋中示例双创园", "site_operator_name": "晋中示例双创园运营有限公司",
            "site_construction": "改造已完成。", "site_enterprise_count": 40,
            "site_accounts": "yes",
            "site_documents": "租赁协议原件与复印件一致。",
            "site_signage_records": "标识、档案齐全。",
            "site_originals_match": "yes", "site_service_staff": "12人在岗。",
            "site_agency_and_space": "服务中心运行正常。", "site_three_threes": "yes",
            "site_eight_haves": "yes",
            "inspectors": [{"inspector_name": "刘海燕", "inspector_unit": "榆次区工信局 科长"},
                           {"inspector_name": "陈刚", "inspector_unit": "榆次区工信局 科员"}],
            "inspected_on": "2026-03-20", "site_inspection_form": F, "decision": decision}
    if reason:
        data["decision_reason"] = reason
    return data


RECOMMEND = {"opinion": "同意推荐。", "recommendation_reason": "",
             "document_no": "榆工信发〔2026〕8号",
             "recommended_on": "2026-03-25", "recommendation_file": F, "decision": "approve"}
NOT_RECOMMEND = {**RECOMMEND, "decision": "reject", "decision_reason": "本批次择优推荐，未列入。"}
EXPERTS = ["jz_expert1", "jz_expert2", "jz_expert3"]
ASSIGN_EXPERTS = {"experts": EXPERTS}


def expert_opinion(score: int = 85) -> dict:
    return {"score": score, "opinion": "服务功能齐全。", "recommend": True}


EXPERT_APPROVE = {"summary": "专家一致同意。", "decision": "approve"}
EXPERT_REJECT = {"summary": "服务功能薄弱。", "decision": "reject",
                 "decision_reason": "评审未通过。"}
# Friday 2026-04-24: 5 working days are 24, 27, 28, 29, 30 April; 1–5 May are holidays.
NOTICE = {"notice_start": "2026-04-24", "notice_url": "https://gxj.sxjz.gov.cn/notice/2026-3"}
NOTICE_ENDS = "2026-05-01T00:00"
NO_OBJECTION = {"has_objection": False}
OBJECTION = {"has_objection": True, "objection_list": [
    {"received_on": "2026-04-28", "objector": "某入驻企业", "content": "反映基地未提供融资服务。"}]}
OBJECTION_UNFOUNDED = {"findings": "融资对接记录属实，异议不成立。", "decision": "approve"}
OBJECTION_UPHELD = {"findings": "异议属实。", "decision": "reject",
                    "decision_reason": "融资服务数据不实。"}
RECOGNIZE = {"decision": "approve", "recognized_on": "2026-05-20",
             "certificate_no": "市工信企业发〔2026〕30号-01", "recognition_document": F}
NOT_RECOGNIZE = {"decision": "reject", "decision_reason": "局务会议未通过。"}

# --- after recognition ---------------------------------------------------------------------------

SUMMARY = {"work_summary": "2026年新增入驻企业6家，开展服务活动24次。", "enterprise_count": 46,
           "small_micro_count": 40, "graduated_count": 2, "service_events": 24, "summary_file": F}
SUMMARY_CHECK = {"received_on": "2027-03-05", "ledger_check": "服务台账齐全。",
                 "service_quality": "良好。", "service_fees": "按公示标准收费。",
                 "satisfaction": "满意度92%。", "opinion": "检查合格。"}


def change_filing(completed_on: str, new_name: str = "晋中示例创新创业园") -> dict:
    return {"change_type": "base_name", "old_value": APPLICATION["base_name"],
            "new_value": new_name,
            "completed_on": completed_on, "description": "经股东会决议更名。", "evidence": F}


CHANGE_COUNTY = {"verified": True, "opinion": "已核实，同意备案。"}
CHANGE_ACCEPT = {"decision": "accept"}
CHANGE_REFUSE = {"decision": "reject", "decision_reason": "所报并非重大事项。"}
EVALUATION_FAIL = {"method": "third_party", "evaluator": "山西示例评估咨询有限公司",
                   "evaluated_on": "2027-09-15", "development": "入驻企业减少。",
                   "service_capacity": "服务台账不全。", "benefits": "带动就业下降。",
                   "findings": "服务能力不达标。", "report": F, "result": "fail"}
EVALUATION_PASS = {**EVALUATION_FAIL, "findings": "运营规范。", "result": "pass"}
RECTIFY_ORDER = {"requirements": "补齐服务台账，恢复投融资服务。",
                 "rectification_due_on": "2027-12-31",
                 "ordered_on": "2027-10-08"}
RECTIFY_REPORT = {"measures": "已补齐台账并开展投融资对接4次。", "report_file": F}
REEVALUATE_PASS = {"reevaluated_on": "2028-01-10", "findings": "整改到位。", "result": "pass"}
REEVALUATE_FAIL = {"reevaluated_on": "2028-01-10", "findings": "整改后服务台账仍不全。",
                   "result": "fail"}
REVOCATION = {"decision_document_no": "市工信企业发〔2028〕5号", "decision_date": "2028-01-20",
              "plaque_recalled": True, "plaque_recalled_on": "2028-01-25",
              "announcement_url": "https://gxj.sxjz.gov.cn/notice/2028-5",
              "announcement_date": "2028-01-21"}
