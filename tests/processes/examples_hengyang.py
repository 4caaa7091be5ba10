"""Valid submissions for every Hengyang form (forms/hy_*.yaml), seed 004
(衡市工信中小企业〔2023〕12号).

FILE marks a file field: the driver uploads a real small file to the case and puts the
attachment ids in its place. Every figure clears its threshold comfortably, so a test changes
one figure and sees exactly one condition move.
"""

from __future__ import annotations

FILE = "@file"
F = [FILE]

BASE_CREDIT_CODE = "91430408MA4L1B2C3T"
INSTITUTION_CREDIT_CODE = "52430481MA4P7Q8R10"
RELATED_CREDIT_CODE = "91430405MA4T5U6W75"   # holds no title anywhere
OTHER_CREDIT_CODE = "91430482MA4X9Y0A1T"

BASE_APPLICATION = {
    "base_name": "蒸湘创业创新园", "operator_name": "衡阳蒸湘创业创新园运营有限公司",
    "credit_code": BASE_CREDIT_CODE, "county": "zhengxiang",
    "base_address": "衡阳市蒸湘区红湘北路1号",
    "registered_capital_wan": "1000", "legal_representative": "刘强",
    "operator_registered_on": "2019-04-01", "registered_in_city": True,
    "supervising_department": "蒸湘区工业和信息化局", "contact_person": "李娜",
    "contact_phone": "0734-8888888", "land_area_m2": "30000", "site_area_m2": "45000",
    "factory_area_m2": "30000", "public_service_area_m2": "3000", "self_held_area_m2": "20000",
    "leased_area_m2": "25000", "sold_area_m2": "0", "operator_staff_count": 25,
    "service_staff_count": 9, "insured_staff_count": 6, "enterprise_count": 60,
    "small_micro_count": 55, "employee_count": 900,
    "operating_years": [
        {"year": 2024, "total_assets_wan": "8000", "revenue_wan": "1200", "enterprise_count": 52,
         "small_micro_count": 48, "graduated_count": 3, "employee_count": 780},
        {"year": 2025, "total_assets_wan": "8600", "revenue_wan": "1350", "enterprise_count": 60,
         "small_micro_count": 55, "graduated_count": 4, "employee_count": 900}],
    "partner_agencies": [{"agency_name": "衡阳某会计师事务所", "service_content": "财税代理",
                          "agreement_signed_on": "2024-05-01"}],
    "service_items": [
        {"item": "basic", "content_capacity": "物业、场地、水电等基本服务，年服务60家",
         "income_share": "30%"},
        {"item": "financing", "content_capacity": "组织银企对接4场，年服务20家",
         "income_share": "免收费"}],
    "deep_campaign_count": 2, "deep_campaign_enterprises": 45,
    "deep_campaigns": [{"campaign": "breakthrough", "role": "first_host", "held_on": "2025-06-18",
                        "enterprises_served": 45}],
    "related_credit_codes": [RELATED_CREDIT_CODE],
    "related_entities": [{"entity_name": "衡阳某投资有限公司",
                          "credit_code": RELATED_CREDIT_CODE, "relation": "控股股东"}],
    "staff_list": [{"name": "王敏", "gender": "female", "age": 35, "education": "本科",
                    "position": "服务部经理", "title": "经济师", "duties": "入驻企业服务"}],
    "enterprise_list": [{"enterprise_name": "衡阳某科技有限公司", "revenue_wan": "300",
                         "tax_wan": "12", "moved_in_on": "2022-03-01"}],
    "application_report": F, "audit_report": F, "license_copy": F, "property_documents": F,
    "self_held_evidence": F, "layout_plan": F, "service_evidence": F, "campaign_evidence": F,
    "insurance_evidence": F, "authenticity_declaration": F,
}

INSTITUTION_APPLICATION = {
    "agency_name": "耒阳市中小企业服务中心", "agency_category": "professional",
    "credit_code": INSTITUTION_CREDIT_CODE, "county": "leiyang",
    "agency_address": "耒阳市五一西路8号", "legal_representative": "陈刚",
    "operator_registered_on": "2015-06-01", "registered_in_city": True,
    "contact_person": "赵敏", "contact_phone": "0734-4333333", "staff_total": 16,
    "site_area_m2": "200", "service_assets_wan": "400", "service_staff_count": 12,
    "qualified_staff_count": 9, "insured_staff_count": 4, "public_event_count": 6,
    "enterprises_served": 100, "long_term_client_count": 25, "service_income_wan": "200",
    "main_service_items": ["technical_innovation", "listing_financing"],
    "main_services": "管理咨询、投融资服务、财会税务",
    "deep_campaign_count": 2, "deep_campaign_enterprises": 40,
    "operating_years": [
        {"year": 2024, "service_income_wan": "180", "service_profit_wan": "20",
         "enterprises_served": 90, "event_count": 5},
        {"year": 2025, "service_income_wan": "200", "service_profit_wan": "25",
         "enterprises_served": 100, "event_count": 6}],
    "related_credit_codes": [],
    "related_entities": [],
    "client_list": [{"enterprise_name": "耒阳某机械有限公司", "service_content": "融资咨询",
                     "fee_wan": "2", "fee_waived_wan": "1"}],
    "staff_list": [{"name": "孙丽", "position": "咨询师", "title": "高级会计师", "insured": True}],
    "application_report": F, "license_copy": F, "property_documents": F, "service_rules": F,
    "audit_report": F, "staff_qualifications": F, "service_evidence": F, "campaign_evidence": F,
    "authenticity_declaration": F,
}

COUNTY_APPROVE = {"materials_complete": True, "materials_authentic": True,
                  "review_opinion": "材料真实、完整，符合第二部分申报条件。", "decision": "approve"}
COUNTY_RETURN = {"review_opinion": "缺审计报告。", "decision": "return",
                 "decision_reason": "请补充经审计的上年度会计报表。",
                 "corrections": [{"item": "audit_report", "note": "上传经审计的会计报表。"}]}
COUNTY_REJECT = {"review_opinion": "不符合条件。", "decision": "reject",
                 "decision_reason": "自持面积不足20%。"}
RECOMMENDATION = {"recommendation_opinion": "审核合格，同意推荐。",
                  "summary_note": "专职服务人员9人，入驻企业60家，面积4.5万平方米。",
                  "document_no": "蒸工信发〔2026〕8号", "recommended_on": "2026-05-15",
                  "recommendation_report": F}
EXPERTS = ["hy_expert1", "hy_expert2", "hy_expert3"]
ASSIGN_EXPERTS = {"experts": EXPERTS}


def expert_opinion(score: int = 85) -> dict:
    return {"score": score, "conditions_opinion": "符合申报条件。",
            "performance_opinion": "服务业绩突出。", "recommend": True}


EXPERT_APPROVE = {"review_conclusion": "列入拟认定名单。", "decision": "approve"}
EXPERT_REJECT = {"review_conclusion": "服务业绩不足。", "decision": "reject",
                 "decision_reason": "专家平均分低于60分。"}
NOTICE = {"notice_start": "2026-09-28", "notice_url": "https://gxj.hengyang.gov.cn/gs/2026-1"}
NO_OBJECTION = {"has_objection": False}
OBJECTION = {"has_objection": True, "objection_list": [
    {"received_on": "2026-10-15", "objector": "某入驻企业", "content": "入驻企业数量不实。"}]}
INVESTIGATE_OK = {"findings": "入驻企业数量属实，异议不成立。", "decision": "approve"}
INVESTIGATE_REJECT = {"findings": "入驻企业数量虚报。", "decision": "reject",
                      "decision_reason": "异议成立。"}
RECOGNIZE = {"decision": "approve", "recognized_on": "2026-10-20",
             "certificate_no": "HYJD-2026-003",
             "publication_doc_no": "衡市工信中小企业〔2026〕30号"}
RECOGNIZE_INSTITUTION = {**RECOGNIZE, "certificate_no": "HYJG-2026-011"}
RECOGNITION_REJECT = {"decision": "reject", "decision_reason": "经研究不予认定。"}
