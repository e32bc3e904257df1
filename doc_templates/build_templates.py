"""Build doc_templates/<CODE>.docx: a starting draft for every document type of clause_map.yaml.

Run once after changing the outlines below (the .docx files are committed):

    .venv/bin/python doc_templates/build_templates.py

Each template is a docxtpl (Jinja2-in-Word) file. What the park fills in stays editable in Word/WPS; what carbonms
knows is filled at render time by app.reports.render:

- `park` (name, code), `document` (control_no, title, owner_unit, access_level_zh), `revision` (number,
  change_reason), `today`, `record` (period), `doc_type` (code, title_zh, title_en, kind_zh, description_zh,
  review_cycle, retention, approver_zh, sign_zh), and
- `clauses`: the clauses the type serves, with their requirement paragraphs and lettered items quoted from the
  clause map at render time (so a template never drifts from the map), and `clause_index[id]` for tables.

The outlines (OUTLINES) give each type its own headings, guidance (【…】 marks what the park must write) and tables.
"""

# ruff: noqa: E501 - the outlines are Chinese prose; one line per section reads best
from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from app.clauses.schema import load_clause_map  # noqa: E402

# A section: (heading, [guidance paragraphs], table or None).
# A table: {"cols": [...], "rows": n} (n blank rows), {"cols": [...], "labels": [...]} (first column given), or
# {"cols": [...], "loop": ("7.1", 0)}: one row per item of group 0 of clause 7.1 (rendered from the clause map).
Section = tuple[str, list[str], dict | None]

PROMPT = "【待填写】"

OUTLINES: dict[str, list[Section]] = {
    # ------------------------------------------------------------------ chapter 5
    "ENVIRONMENT_OVERVIEW": [
        ("园区基本情况", ["【填写园区地理位置、区域面积、发展历程、管理体制和所获荣誉等概况。】"], None),
        ("发展战略与战略宗旨", ["【说明园区发展战略、功能定位及其与碳达峰碳中和目标的关系（5.1 a)）。】"], None),
        (
            "内部因素",
            ["【逐项说明对碳排放管理体系预期结果有影响的内部因素。】"],
            {
                "cols": ["内部因素", "现状描述", "对碳排放管理的影响", "信息来源/负责部门"],
                "labels": [
                    "经营宗旨与组成结构",
                    "生产条件（设备能力、工艺技术）",
                    "能源消耗",
                    "财务状况",
                    "人力资源",
                    "市场现状",
                ],
            },
        ),
        (
            "外部因素",
            ["【逐项说明国际、国内、地区或当地的外部因素。】"],
            {
                "cols": ["外部因素", "现状描述", "对碳排放管理的影响", "信息来源/负责部门"],
                "labels": ["政策与法律、监管", "经济与金融、财政", "技术", "社会与文化", "自然环境与气候", "竞争环境"],
            },
        ),
        (
            "动态监视和评估",
            ["【规定内外部因素的监视频次、评估方法和责任部门，评估结果转入《风险与机遇登记册》（5.1 b)）。】"],
            None,
        ),
    ],
    "INFORMATION_CHANNEL_LIST": [
        (
            "信息收集职责",
            ["【指定负责定期收集国家、地区、行业双碳信息及法律法规和其他要求的部门和专人（附录 A；8.3 b)）。】"],
            None,
        ),
        (
            "信息渠道清单",
            ["【列明每一信息渠道，写明获取频次和传递对象。】"],
            {
                "cols": ["序号", "信息类别", "信息渠道（网站/机构/平台）", "获取频次", "负责部门/专人", "传递至"],
                "labels": ["1", "2", "3", "4", "5", "6"],
            },
        ),
        ("信息的适用性评价与宣贯", ["【说明对获取信息的适用性评价方式及宣贯方式，保留相关培训会议记录。】"], None),
    ],
    "STAKEHOLDER_REGISTER": [
        ("相关方识别方法", ["【说明识别与园区碳管理体系和碳管理绩效有关的相关方的方法（5.2 a)）。】"], None),
        (
            "利益相关方名录",
            ["【逐一列出相关方及其需求和期望，标明是否转化为合规义务（5.2 b)、c)）。】"],
            {
                "cols": ["序号", "相关方", "类别（内部/外部）", "需求和期望", "是否成为合规义务", "联系部门"],
                "labels": ["1", "2", "3", "4", "5", "6", "7", "8"],
            },
        ),
        ("名录的监视和评审", ["【规定名录的更新频次与评审方式（5.2 监视和评估）。】"], None),
    ],
    "COMPLIANCE_EVALUATION_REPORT": [
        (
            "评价目的与依据",
            ["【说明本次合规性评价的目的，遵循客观公正性、充分性、经济性和结果一致性原则（10.1.2）。】"],
            None,
        ),
        ("评价频次与范围", ["【写明评价频次（10.1.2 b)）、评价期间和覆盖的组织单元。】"], None),
        (
            "适用法律法规及其他要求清单",
            ["【列明与能源效率、能源消耗、碳减排、碳排放绩效和碳抵消相关的法律法规及其他要求（5.2）。】"],
            {"cols": ["序号", "法律法规/其他要求", "发布机构及文号", "适用条款", "履行情况", "评价结论"], "rows": 6},
        ),
        ("评价结论与不符合", ["【总结合规状况；对不合规项写明原因和需采取的措施（10.1.2 c)）。】"], None),
        (
            "后续措施与知识保持",
            ["【写明纠正措施、责任部门、完成时限，以及保持合规状况知识的方式（10.1.2 d)）。】"],
            {"cols": ["问题", "措施", "责任部门", "完成时限"], "rows": 3},
        ),
    ],
    "STAKEHOLDER_RESPONSE_PLAN": [
        ("响应对象", ["【引用《产业园区利益相关方名录》，列出需响应的相关方需求、期望和合规义务。】"], None),
        (
            "响应措施",
            ["【逐项规定响应措施、责任部门和完成时限，并将其纳入碳排放管理体系（5.2 监视和评估 b)）。】"],
            {"cols": ["相关方", "需求/期望/合规义务", "响应措施", "责任部门", "完成时限", "验证方式"], "rows": 5},
        ),
        ("沟通与反馈", ["【规定向相关方反馈的渠道和频次（4.2 透明性；8.3）。】"], None),
        ("评审与更新", ["【规定对适用法律法规及其他要求的情况进行及时评审（5.2 监视和评估 c)）。】"], None),
    ],
    "CONTEXT_TRAINING_MEETING_DOCS": [
        (
            "会议/培训基本信息",
            [],
            {"cols": ["项目", "内容"], "labels": ["主题", "时间", "地点", "主持人/讲师", "参加部门和人员"]},
        ),
        (
            "议题与内容",
            ["【记录对收集的内外部双碳信息、法律法规和相关方要求的适用性评价与宣贯内容（附录 A 第5章）。】"],
            None,
        ),
        ("结论与决定", ["【记录形成的结论、决定及对碳排放管理体系的影响。】"], None),
        ("后续行动", [], {"cols": ["行动事项", "责任部门", "完成时限"], "rows": 3}),
        ("附件", ["【签到表、培训材料、照片等。】"], None),
    ],
    "CMS_SCOPE_BOUNDARY": [
        ("体系范围", ["【用一段话描述碳排放管理体系覆盖的园区、组织单元、活动、产品和服务。】"], None),
        (
            "确定范围时考虑的因素",
            ["【逐项说明下列因素如何影响了范围的确定（5.3 a)–f)）。】"],
            {"cols": ["因素", "考虑结果"], "loop": ("5.3", 0)},
        ),
        ("物理边界", ["【附园区边界图，写明四至范围、面积和纳入的企业、设施清单。】"], None),
        (
            "组织边界和运行边界",
            ["【写明纳入体系的职能部门、运行单元及其碳排放边界（直接排放、外购电力和热力等）。】"],
            None,
        ),
        (
            "外包过程与施加影响",
            ["【列出外包过程和活动，写明对其碳排放实施控制和影响的方法和措施（5.3 f)）。】"],
            {"cols": ["外包过程/活动", "承担单位", "控制与影响措施"], "rows": 3},
        ),
        ("删减与不适用说明", ["【如有条款不适用，逐条写明理由。】"], None),
        ("相关方获取方式", ["本文件作为文件化信息予以保持，相关方可通过【渠道】获取（5.3）。"], None),
    ],
    "CARBON_MANAGEMENT_FRAMEWORK": [
        ("框架概述", ["【依据园区自身特性描述碳排放管理的总体架构（5.4）。】"], None),
        (
            "碳排放管理过程及相互关系",
            ["【列出体系涉及的过程、过程顺序及相互关系，可附过程关系图。】"],
            {
                "cols": ["过程", "输入", "输出", "责任部门", "相关条款"],
                "labels": [
                    "环境与相关方分析",
                    "方针、目标和指标",
                    "碳排放管理评审",
                    "资源与能力",
                    "运行控制",
                    "监视测量与评价",
                    "内部审核与管理评审",
                    "改进",
                ],
            },
        ),
        ("融入日常运营", ["【说明如何将体系要求融入园区日常运营过程（5.4）。】"], None),
        ("管理边界", ["【引用《碳排放管理体系范围和边界》。】"], None),
    ],
    # ------------------------------------------------------------------ chapter 6
    "LEADERSHIP_GROUP_FOUNDING": [
        (
            "发文说明",
            ["为建立、实施、保持和持续改进园区碳排放管理体系，经研究，决定成立{{ park.name }}碳排放领导小组。"],
            None,
        ),
        (
            "领导小组组成",
            ["【组长由最高管理者担任；成员包括相关部门负责人和碳排放管理人员（6.3）。】"],
            {
                "cols": ["职务", "姓名", "单位/部门", "小组职责"],
                "labels": ["组长（最高管理者）", "副组长", "成员", "成员", "成员", "办公室主任"],
            },
        ),
        (
            "领导小组职责",
            ["【按 6.1 a)–d) 写明领导小组在资源保障、体系建立与改进、绿色低碳发展规划和准则方法方面的职责。】"],
            None,
        ),
        ("办公室设置", ["领导小组下设办公室，设在【部门】，负责日常工作。"], None),
        ("生效", ["本文件自发布之日起施行。"], None),
    ],
    "CARBON_MANAGEMENT_RULES": [
        ("总则", ["【目的、适用范围、引用文件、术语。】"], None),
        (
            "组织架构与职责权限",
            ["【界定碳排放管理组织架构，写明最高管理层、碳排放管理机构和执行部门的职责和权限（6.1、6.4）。】"],
            {
                "cols": ["层级/部门", "职责", "权限"],
                "labels": ["最高管理者", "碳排放领导小组", "碳排放管理办公室", "相关职能部门", "园区企业"],
            },
        ),
        (
            "管理要求",
            ["【规定目标指标、评审、运行控制、数据管理、监视测量、内审、管理评审和改进的准则和方法（6.1 d)）。】"],
            None,
        ),
        ("监督与考核", ["【规定监督碳排放相关活动及考核奖惩的方式（6.4 e)；8.2 d)）。】"], None),
        ("附则", ["本制度由碳排放管理机构负责解释，自发布之日起施行。"], None),
    ],
    "CMS_DOCUMENTATION": [
        ("前言与发布令", ["【最高管理者签发的发布令：体系文件是体系运行的纲领性文件。】"], None),
        ("园区概况与体系范围", ["【引用《碳排放管理体系范围和边界》。】"], None),
        ("碳排放管理方针和目标", ["【引用现行《碳排放管理方针》和目标指标。】"], None),
        (
            "体系要求的实施",
            ["【按 T/CPQS ZC001—2025 第5章至第11章逐章说明园区的实施安排和对应的程序文件。】"],
            {
                "cols": ["标准章节", "园区实施安排", "支持文件/记录"],
                "labels": [
                    "5 产业园区所处环境",
                    "6 组织与制度",
                    "7 策划",
                    "8 支持",
                    "9 运行",
                    "10 绩效评价",
                    "11 改进",
                ],
            },
        ),
        ("体系文件清单", ["【列出现行体系文件和记录清单，可由 carbonms 导出《文件和记录清单》。】"], None),
    ],
    "CARBON_POLICY": [
        (
            "方针声明",
            ["【由最高管理者发布的简明方针声明，例如：“低碳发展、合规履约、持续改进、共建零碳园区”。】"],
            None,
        ),
        (
            "方针承诺",
            ["本方针包括并满足 6.2 a)–g) 的全部要求（见上文“标准要求”）。【逐条写出园区对应的承诺。】"],
            {"cols": ["6.2 要求", "园区的承诺"], "loop": ("6.2", 0)},
        ),
        ("方针的沟通与获取", ["【写明方针在园区内传达及向相关方公开的方式。】"], None),
        ("方针的评审", ["本方针在管理评审中评审（10.3.1 b)），必要时修订。"], None),
        ("发布", ["最高管理者（签字）：__________　　发布日期：{{ today }}"], None),
    ],
    "ORGANISATION_RESPONSIBILITIES": [
        ("机构组成形式", ["【选择并说明园区采用的机构组成形式（6.4 机构组成形式 a)–c)）。】"], None),
        (
            "机构组成",
            ["【组成应包括最高管理者、相关部门负责人和碳排放管理人员（6.3）。】"],
            {
                "cols": ["层级", "岗位/部门", "人员", "主要职责"],
                "labels": [
                    "最高管理者",
                    "碳排放领导小组",
                    "碳排放管理机构",
                    "相关部门负责人",
                    "碳排放管理人员",
                    "企业数据采集与填报人员",
                ],
            },
        ),
        ("机构职责", ["机构职责应覆盖下列各项（6.4）："], {"cols": ["6.4 职责", "承担部门/岗位"], "loop": ("6.4", 1)}),
        ("岗位说明书", ["【可附关键岗位说明书：任职条件、职责、权限、汇报关系。】"], None),
    ],
    "GREEN_LOW_CARBON_DEVELOPMENT_PLAN": [
        ("规划背景与依据", ["【国家和地方碳达峰碳中和政策、园区发展战略（6.1 c)；6.2 a)、b)）。】"], None),
        ("现状与基础", ["【园区能源消费、碳排放现状和低碳基础设施情况；引用碳排放管理基准。】"], None),
        (
            "规划目标",
            ["【规划期、总体目标和分阶段目标。】"],
            {
                "cols": ["指标", "基准年数值", "规划中期目标", "规划期末目标"],
                "labels": ["碳排放总量", "单位产值碳排放强度", "可再生能源利用率", "余热余压利用率"],
            },
        ),
        ("重点任务", ["【能源结构优化、产业结构调整、低碳基础设施、低碳化招商、碳资产和碳中和等重点任务。】"], None),
        ("保障措施", ["【组织、资金、技术、人才和考核保障。】"], None),
    ],
    # ------------------------------------------------------------------ chapter 7
    "OBJECTIVES_RESPONSIBILITY_LETTER": [
        ("责任双方", ["甲方：{{ park.name }}（最高管理者）　　乙方：【责任部门/企业】"], None),
        (
            "碳排放管理目标",
            ["目标依据现状调查和评价结果及碳排放基准制定（7.1），可包括："],
            {"cols": ["目标类别（7.1）", "具体目标", "基准值", "目标值", "完成时限"], "loop": ("7.1", 0)},
        ),
        (
            "各层级碳排放管理指标",
            ["目标分解到各层级，建立以下指标（7.1）："],
            {
                "cols": ["指标类别（7.1）", "层级/部门", "指标名称及单位", "基准值", "目标值", "责任人"],
                "loop": ("7.1", 1),
            },
        ),
        ("制定目标和指标时考虑的因素", [], {"cols": ["因素（7.1）", "考虑结果"], "loop": ("7.1", 2)}),
        ("责任与考核", ["【写明乙方责任、检查频次（见《目标和指标完成情况检查表》）及考核奖惩。】"], None),
        ("调整", ["客观情况变化时，双方适时调整目标和指标（7.1）。"], None),
        ("签署", ["甲方（签字）：__________　　乙方（签字）：__________　　日期：{{ today }}"], None),
    ],
    "ANNUAL_WORK_PLAN": [
        ("年度目标", ["【引用本年度碳排放管理目标和指标责任书。】"], None),
        (
            "年度工作安排",
            [],
            {"cols": ["序号", "工作事项", "对应目标/指标", "责任部门", "完成时间", "资源需求"], "rows": 8},
        ),
        (
            "年度评审与审核安排",
            ["【7.3.2–7.3.5 年度评审、内部审核（10.2）和管理评审（10.3）的时间安排。】"],
            {
                "cols": ["活动", "计划时间", "负责人"],
                "labels": [
                    "碳排放管理评审",
                    "碳交易管理评审",
                    "碳资产管理评审",
                    "碳中和实施评审",
                    "内部审核",
                    "管理评审",
                    "合规性评价",
                ],
            },
        ),
        ("检查与报告", ["【计划执行情况的检查频次和报告方式。】"], None),
    ],
    "IMPLEMENTATION_PLAN": [
        ("方案目标", ["【引用碳排放管理目标和指标，写明预期减排目标。】"], None),
        (
            "主要措施",
            ["针对不同碳排放来源的主要措施及技术内容（7.2 a)）："],
            {"cols": ["碳排放来源", "措施及技术内容", "实施路径和方法（b)）", "预期减排量"], "rows": 5},
        ),
        (
            "职责分工",
            ["【职责部门及其职责（7.2 c)）。】"],
            {"cols": ["措施", "牵头部门", "配合部门", "职责"], "rows": 4},
        ),
        (
            "配套资源",
            ["【人员、设备设施、资金等配套资源（7.2 d)）。】"],
            {"cols": ["资源类别", "内容", "数量/金额", "来源"], "labels": ["人员", "设备设施", "资金", "技术"]},
        ),
        (
            "进度安排和阶段性成果",
            ["【时间进度安排和阶段性成果（7.2 e)）。】"],
            {"cols": ["阶段", "起止时间", "阶段性成果"], "rows": 4},
        ),
        ("结果验证", ["【对结果验证的方法（7.2 f)）：监测数据、核算报告、第三方核查等。】"], None),
    ],
    "REVIEW_METHODS_CRITERIA": [
        ("适用范围", ["适用于碳排放管理体系评审（含初始评审）及发生重大变化时的更新评审（7.3.1）。"], None),
        (
            "评审类型与频次",
            [
                "【以年度为周期实施 7.3.2–7.3.5 评审；重大变化（组织边界、运行边界、产量、生产工艺、原材料的变化等）时更新。】"
            ],
            {
                "cols": ["评审类型", "频次", "触发条件", "负责部门"],
                "labels": [
                    "碳排放管理评审（7.3.2）",
                    "碳交易管理评审（7.3.3）",
                    "碳资产管理评审（7.3.4）",
                    "碳中和实施评审（7.3.5）",
                    "重大变化更新评审（7.3.1）",
                ],
            },
        ),
        ("评审方法", ["【文件审查、现场核查、数据核算、访谈、对标等方法及其适用情形。】"], None),
        ("评审准则", ["【适用的法律法规、核算和报告指南、排放因子来源、判定准则。】"], None),
        ("评审输出", ["评审结果形成《产业园区碳评审报告》（可按附录 B 模板编写）并予保留。"], None),
    ],
    "CARBON_REVIEW_REPORT": [
        ("第一章 评审事项说明", ["一、评审目的　二、评审依据　三、评审时间　四、评审范围和内容　【待填写】"], None),
        ("第二章 产业园区基本情况", ["一、园区概况　二、产业发展概况　三、能源消耗情况　【待填写】"], None),
        (
            "第三章 产业园区碳排放管理情况",
            ["一、碳排放管理机构　二、碳排放管理制度　三、碳排放管理实施情况　【待填写】"],
            None,
        ),
        ("第四章 产业园区碳排放状况分析", ["一、碳排放数据收集　二、碳排放情况分析　【待填写】"], None),
        ("第五章 碳排放目标指标完成情况", ["一、实际完成情况　二、与基准、绩效（指标）对比　【待填写】"], None),
        ("第六章 评审建议", ["一、现存问题　二、改进建议　【待填写】"], None),
        ("说明", ["carbonms 可按年度自动生成预填的评审报告（GET /api/reports/review?year=）。"], None),
    ],
    "EMISSION_REVIEW_RECORD": [
        ("评审信息", [], {"cols": ["项目", "内容"], "labels": ["评审年度", "评审日期", "评审组成员", "评审方法"]}),
        (
            "评审内容与结果",
            ["逐项记录 7.3.2 的评审内容："],
            {"cols": ["评审内容（7.3.2）", "评审结果", "证据"], "loop": ("7.3.2", 0)},
        ),
        ("碳排放源清单", [], {"cols": ["排放源", "排放类别", "活动水平", "排放因子", "排放量(tCO2)"], "rows": 5}),
        ("结论", ["【评审结论及需采取的措施。】"], None),
    ],
    "TRADING_REVIEW_RECORD": [
        ("评审信息", [], {"cols": ["项目", "内容"], "labels": ["评审年度", "评审日期", "评审组成员"]}),
        ("评审内容与结果", [], {"cols": ["评审内容（7.3.3）", "交易情况", "评审结果"], "loop": ("7.3.3", 0)}),
        ("履约情况", [], {"cols": ["履约主体", "应履约量", "实际清缴量", "是否按期履约"], "rows": 3}),
        ("结论", ["【交易风险、合规性和改进措施。】"], None),
    ],
    "ASSET_REVIEW_RECORD": [
        ("评审信息", [], {"cols": ["项目", "内容"], "labels": ["评审年度", "评审日期", "评审组成员"]}),
        ("评审内容与结果", [], {"cols": ["评审内容（7.3.4）", "评审结果", "证据"], "loop": ("7.3.4", 0)}),
        ("碳资产台账", [], {"cols": ["资产类别（正/负）", "名称", "数量", "计量依据", "估值"], "rows": 4}),
        ("结论", ["【碳资产价值评估结论及风险应对。】"], None),
    ],
    "NEUTRALITY_REVIEW_RECORD": [
        ("评审信息", [], {"cols": ["项目", "内容"], "labels": ["评审年度", "评审日期", "评审组成员"]}),
        ("评审内容与结果", [], {"cols": ["评审内容（7.3.5）", "评审结果", "证据"], "loop": ("7.3.5", 0)}),
        ("碳中和标的物与抵消", [], {"cols": ["标的物", "排放量", "减排行动", "抵消方式及数量", "凭证"], "rows": 3}),
        ("结论", ["【碳中和实现情况或计划、声明。】"], None),
    ],
    "PERFORMANCE_INDICATOR_METHODS": [
        ("目的和适用范围", ["结合具体部门、生产过程、岗位责任识别并确定碳排放管理绩效参数（7.4）。"], None),
        (
            "绩效参数清单",
            ["【参数应适合于监视和测量绩效，并能证实绩效改进（7.4 a)、b)）。】"],
            {"cols": ["参数名称", "单位", "适用部门/过程/岗位", "计算方法", "数据来源", "监测频次"], "rows": 6},
        ),
        ("相关变量", ["【识别对绩效有显著影响的相关变量及其数据（7.4）。】"], None),
        ("与基准比较", ["【参数值与碳排放管理基准比较的方法（7.4、7.5）。】"], None),
        ("更新", ["参数方法和数值的文件化信息应予保留和更新（7.4）。"], None),
    ],
    "PERFORMANCE_INDICATOR_VALUES": [
        ("记录期间与来源", [], {"cols": ["项目", "内容"], "labels": ["记录期间", "数据来源", "填报人"]}),
        ("绩效参数值", [], {"cols": ["参数", "单位", "本期值", "基准值", "偏差", "是否严重偏离"], "rows": 6}),
        ("分析与评价", ["【对比基准评价绩效改进（10.1.1；11.3），严重偏离转入调查和响应记录。】"], None),
    ],
    "CARBON_BASELINE": [
        ("基准的建立", ["【依据碳排放管理评审信息，考虑合适的时段和相关变量的活动水平（7.5）。】"], None),
        (
            "基准年与基准线",
            [],
            {
                "cols": ["项目", "内容"],
                "labels": [
                    "基准年",
                    "覆盖边界",
                    "基准排放量(tCO2)",
                    "基准强度",
                    "相关变量及活动水平",
                    "核算方法与排放因子",
                ],
            },
        ),
        (
            "基准调整条件",
            ["出现下列一种或多种情况时调整基准（7.5）："],
            {"cols": ["调整条件（7.5）", "是否发生", "调整说明"], "loop": ("7.5", 0)},
        ),
        ("调整记录", [], {"cols": ["日期", "调整原因", "调整前", "调整后", "批准人"], "rows": 2}),
    ],
    "PERFORMANCE_APPRAISAL_MEASURES": [
        ("总则", ["【目的、适用范围、考核原则（7.4；8.2 d)）。】"], None),
        ("考核对象与参数", [], {"cols": ["考核对象", "考核参数", "权重", "数据来源"], "rows": 5}),
        ("考核方法与周期", ["【考核周期、评分方法、数据核实程序。】"], None),
        ("奖惩", ["【对园区企业碳减排行为和措施的鼓励及奖惩办法（8.2 d)；8.1 c)）。】"], None),
        ("附则", ["本办法自发布之日起施行。"], None),
    ],
    "TARGET_COMPLETION_CHECKLIST": [
        ("检查信息", [], {"cols": ["项目", "内容"], "labels": ["检查期间", "检查日期", "检查人"]}),
        ("目标完成情况", [], {"cols": ["目标", "目标值", "实际完成值", "完成率", "未完成原因"], "rows": 5}),
        ("指标完成情况", [], {"cols": ["层级/部门", "指标", "目标值", "实际值", "是否完成"], "rows": 6}),
        ("结论与措施", ["【未实现时将采取的措施（10.3.2 d)）。】"], None),
    ],
    "RISK_OPPORTUNITY_REGISTER": [
        ("识别方法与判定准则", ["【风险分类、判定准则和重要性等级（7.6.2 b)）。】"], None),
        (
            "风险与机遇登记",
            ["按 7.6.1 的类别识别："],
            {
                "cols": ["类别（7.6.1）", "风险/机遇描述", "可能性", "影响", "重要性等级", "应对措施", "责任部门"],
                "loop": ("7.6.1", 1),
            },
        ),
        ("动态监视", ["【登记册的更新频次及内外部因素变化的监视方式（5.1 b)）。】"], None),
    ],
    "RISK_RESPONSE_PLAN": [
        ("应对对象", ["【引用《风险与机遇登记册》中需要应对的风险和机遇。】"], None),
        (
            "应对措施",
            ["措施策划应考虑可选技术方案、财务、运行和经营要求（7.6.2）。"],
            {"cols": ["风险/机遇", "应对措施", "融入的体系过程", "责任部门", "完成时限", "有效性评价方法"], "rows": 5},
        ),
        ("定期识别与评估", ["【定期识别和评估风险和机遇的频次和方式（7.6.2 a)）。】"], None),
        ("有效性评价", ["【评价措施有效性的时间和方法（7.6.2）。】"], None),
    ],
    "RISK_MEETING_RECORDS": [
        ("会议基本信息", [], {"cols": ["项目", "内容"], "labels": ["会议主题", "时间", "地点", "主持人", "参会人员"]}),
        ("识别和评估的风险和机遇", [], {"cols": ["风险/机遇", "评估结果", "是否需应对"], "rows": 4}),
        ("会议决定", ["【应对措施、责任部门和时限。】"], None),
    ],
    # ------------------------------------------------------------------ chapter 8
    "RESOURCE_ALLOCATION_PLAN": [
        ("资源需求分析", ["【依据目标指标和实施方案分析资源需求（8.1）。】"], None),
        (
            "资源配置计划",
            [],
            {"cols": ["资源类别（8.1）", "配置内容", "数量/金额", "责任部门", "时间"], "loop": ("8.1", 0)},
        ),
        ("资源保障与评审", ["资源的充分性在管理评审中评审（10.3 e)；10.3.2 f)）。"], None),
    ],
    "COMPETENCE_COMMUNICATION_TRAINING_PROCEDURE": [
        (
            "目的和范围",
            ["适用于碳排放管理机构和人员、企业数据采集与填报人员的能力、培训和沟通管理（8.2、8.3）。"],
            None,
        ),
        (
            "能力要求与评估",
            ["【各岗位的教育背景、技能水平、工作经历要求及聘用和考核方法（8.2 a)）。】"],
            {"cols": ["岗位", "能力要求", "评估方法", "评估频次"], "rows": 4},
        ),
        ("培训管理", ["【培训计划的制定、实施和效果评价（8.2 b)）。】"], None),
        ("宣传", ["【节能降碳宣传方式（8.2 c)）。】"], None),
        (
            "内外部沟通",
            ["沟通方式包括（8.3）："],
            {"cols": ["沟通方式（8.3）", "内容", "频次", "负责部门"], "loop": ("8.3", 0)},
        ),
        ("记录", ["保留人员能力评估与培训记录、沟通交流记录。"], None),
    ],
    "DOCUMENT_RECORD_CONTROL": [
        ("目的和范围", ["适用于碳排放管理体系的文件和记录（8.4 文件和记录包括 a)–d)）。"], None),
        (
            "文件和记录的管理要求",
            ["逐项规定下列要求（8.4）："],
            {"cols": ["管理要求（8.4）", "园区规定"], "loop": ("8.4", 1)},
        ),
        ("编制、审批、发布", ["【编制、审核、批准、发布各环节及电子签名要求；发布后生效。】"], None),
        ("变更与作废", ["【变更须写明原因；作废文件标识为“作废”并保留；被替代版本标识“已被替代”。】"], None),
        ("受控标识", ["【受控编号规则、版本号、生效日期及“受控文件”标识；草稿标识“草稿/未生效”（8.4 b)）。】"], None),
        ("保存与获取", ["【形式、保存期限和获取途径及条件（8.4 c)、d)）。】"], None),
    ],
    "TRAINING_PLAN": [
        ("培训需求", ["【依据能力评估结果确定培训需求（8.2）。】"], None),
        (
            "年度培训计划",
            ["培训内容包括碳排放法律、法规、政策、技术和管理要求等（8.2 b)）。"],
            {"cols": ["序号", "培训主题", "培训对象", "时间", "方式", "讲师/机构", "效果评价方式"], "rows": 6},
        ),
        ("宣传活动", ["【节能降碳宣传计划（8.2 c)）。】"], None),
    ],
    "TRAINING_RECORD": [
        ("培训/评估信息", [], {"cols": ["项目", "内容"], "labels": ["主题", "时间", "讲师", "培训对象"]}),
        ("参加人员与考核", [], {"cols": ["姓名", "部门/企业", "岗位", "考核结果"], "rows": 6}),
        ("效果评价", ["【培训效果评价结论。】"], None),
    ],
    "COMMUNICATION_RECORD": [
        ("沟通信息", [], {"cols": ["项目", "内容"], "labels": ["沟通方式", "时间", "参与方", "类型（内部/外部）"]}),
        ("沟通内容", ["【记录沟通的主要信息。】"], None),
        ("结论与传递", ["【形成的结论及向相关部门的传递（8.3 b)、d)）。】"], None),
    ],
    # ------------------------------------------------------------------ chapter 9
    "DATA_MANAGEMENT_RULES": [
        (
            "数据确定与质量控制",
            ["【数据确定与质量控制制度，将碳排放数据收集与企业其他事务及控制目标统一（9.2.1）。】"],
            None,
        ),
        (
            "数据收集的过程和方法",
            ["【数据记录、外部资料采集、取样分析等（9.2.1）。】"],
            {"cols": ["数据类别", "数据来源", "收集方法", "频次", "责任人"], "rows": 5},
        ),
        ("量化方法和计算公式", ["【确定碳排放量化方法和计算公式，引用适用的核算和报告指南。】"], None),
        ("数据安全与保密", ["【数据加密与存储、数据使用与共享、员工培训与安全意识（9.2.1）。】"], None),
        ("信息系统", ["【碳排放数据在线监测系统、碳排放信息管理系统或数据库的建设和使用（9.2.1）。】"], None),
    ],
    "MONITORING_MEASUREMENT_RECORDS": [
        (
            "记录信息",
            [],
            {"cols": ["项目", "内容"], "labels": ["记录期间", "监测对象（设备/平台/碳源/碳汇）", "记录人"]},
        ),
        ("监测与测量结果", [], {"cols": ["监测点/参数", "方法", "结果", "单位", "时间"], "rows": 6}),
        (
            "设备校准与运维",
            ["【经校准或检定的监视和测量设备的使用和维护（10.1.1）。】"],
            {"cols": ["设备", "编号", "校准/检定日期", "有效期", "运维情况"], "rows": 3},
        ),
        ("能耗数据台账", ["【附能耗数据台账。】"], None),
    ],
    "PROCESS_MANAGEMENT_RECORDS": [
        (
            "记录信息",
            [],
            {"cols": ["项目", "内容"], "labels": ["过程（碳排放/碳交易/碳资产/碳中和）", "期间", "记录人"]},
        ),
        (
            "过程运行和控制",
            ["【按准则运行和控制过程的记录（9.1 d)；9.2.2–9.2.5）。】"],
            {"cols": ["过程要求", "运行情况", "偏差及处理"], "rows": 5},
        ),
        ("相关会议", ["【会议时间、议题、决定。】"], None),
    ],
    # ------------------------------------------------------------------ chapter 10
    "DEVIATION_INVESTIGATION_RECORD": [
        (
            "偏离描述",
            [],
            {"cols": ["项目", "内容"], "labels": ["发现日期", "绩效参数", "基准/目标值", "实际值", "偏离程度"]},
        ),
        ("调查", ["【偏离原因调查过程和结论（10.1.1）。】"], None),
        ("响应措施", [], {"cols": ["措施", "责任部门", "完成时限", "验证结果"], "rows": 3}),
    ],
    "AUDIT_PROGRAMME": [
        (
            "审核目的",
            ["内部审核应提供下列信息（10.2）："],
            {"cols": ["信息（10.2）", "本方案的安排"], "loop": ("10.2", 0)},
        ),
        (
            "频次、方法和职责",
            ["【审核频次、方法、职责、策划要求和报告，考虑相关过程的重要性和以往审核结果（10.2 a)）。】"],
            None,
        ),
        (
            "审核准则和范围",
            ["【每次审核的准则和范围（10.2 b)）。】"],
            {"cols": ["审核", "计划时间", "范围（部门/条款）", "准则", "审核组长"], "rows": 3},
        ),
        ("审核员选择", ["【确保审核过程客观公正，审核员不审核自己的工作（10.2 c)）。】"], None),
        ("报告与后续", ["【向相关管理者报告（10.2 d)），根据结果采取措施（10.2 e)），保留证据（10.2 f)）。】"], None),
    ],
    "INTERNAL_AUDIT_REPORT": [
        (
            "审核概况",
            [],
            {
                "cols": ["项目", "内容"],
                "labels": [
                    "审核目的",
                    "审核准则（10.2 b)）",
                    "审核范围",
                    "审核日期",
                    "审核组长及成员（10.2 c)）",
                    "受审核部门",
                ],
            },
        ),
        (
            "审核结论",
            ["针对 10.2 要求的信息逐项给出结论："],
            {"cols": ["审核应提供的信息（10.2）", "结论", "依据"], "loop": ("10.2", 0)},
        ),
        ("审核发现", [], {"cols": ["编号", "条款", "事实描述", "类型（不符合/观察项）", "受审核部门"], "rows": 5}),
        ("报告分发", ["【向相关管理者报告审核结果（10.2 d)）：分发对象和日期。】"], None),
        ("后续措施", ["【根据审核结果采取的措施及跟踪验证（10.2 e)；11.2）。】"], None),
    ],
    "MANAGEMENT_REVIEW": [
        (
            "评审信息",
            [],
            {"cols": ["项目", "内容"], "labels": ["评审日期", "主持人（最高管理者）", "参加人员", "评审期间"]},
        ),
        (
            "评审考虑的事项",
            ["逐项记录 10.3 要求考虑的事项："],
            {"cols": ["事项（10.3）", "情况说明"], "loop": ("10.3", 0)},
        ),
        ("管理评审输入", [], {"cols": ["输入（10.3.1）", "内容"], "loop": ("10.3.1", 0)}),
        ("管理评审输出与决策", [], {"cols": ["输出（10.3.2）", "决策", "责任部门", "完成时限"], "loop": ("10.3.2", 0)}),
        ("结论", ["【体系的适宜性、充分性和有效性，及与战略方向的一致性。】"], None),
    ],
    # ------------------------------------------------------------------ chapter 11
    "NONCONFORMITY_IMPROVEMENT_GUIDE": [
        ("来源", ["【提出不符合清单的第三方机构、依据和日期。】"], None),
        (
            "不符合清单及整改措施",
            [],
            {"cols": ["编号", "不符合描述", "条款", "严重程度", "整改措施", "责任部门", "完成时限"], "rows": 5},
        ),
        ("改进方向", ["【依据评价结果识别的改进方向（11.1）。】"], None),
    ],
    "NONCONFORMITY_CORRECTIVE_ACTION_RECORD": [
        ("不符合描述", [], {"cols": ["项目", "内容"], "labels": ["编号", "来源", "条款", "发现日期", "事实描述"]}),
        ("评价和处置", ["按 11.2 逐项记录："], {"cols": ["要求（11.2）", "记录"], "loop": ("11.2", 0)}),
        ("纠正措施有效性评审", ["【验证人、日期、结论（11.2 d)）。】"], None),
    ],
    "IMPROVEMENT_PLAN": [
        ("改进依据", ["【评价结果：内部审核、管理评审、绩效参数、合规性评价（11.1）。】"], None),
        ("改进方向", [], {"cols": ["改进方式（11.2）", "本期改进事项"], "loop": ("11.2", 1)}),
        ("改进方案", [], {"cols": ["改进项目", "目标", "措施", "责任部门", "资源", "完成时限"], "rows": 5}),
        ("绩效改进的证实", ["【以绩效参数值与基准对比证实持续改进（11.3）。】"], None),
    ],
    "LEGAL_REQUIREMENTS_REGISTER": [
        (
            "说明",
            [
                "【识别、获取并定期更新适用于园区碳排放管理的法律法规、标准、政策及其他要求（5.2 a）），作为合规性评价（10.1.2）的依据。】"
            ],
            None,
        ),
        (
            "法律法规及其他要求",
            [],
            {
                "cols": [
                    "名称",
                    "类别（法律/法规/标准/政策/其他）",
                    "发布机构",
                    "文号/标准号",
                    "发布/实施日期",
                    "状态（现行/废止）",
                    "适用条款",
                    "适用对象",
                    "负责人",
                ],
                "rows": 8,
            },
        ),
        ("更新记录", [], {"cols": ["更新日期", "更新内容", "更新人"], "rows": 3}),
    ],
    "GHG_INVENTORY_REPORT": [
        ("核算信息", [], {"cols": ["项目", "内容"], "labels": ["核算年度", "核算依据", "编制单位", "编制日期"]}),
        ("核算边界", ["【说明纳入核算的企业及其排放源，以及与上一年度相比边界的变化（5.3、7.3.1）。】"], None),
        ("排放源与活动数据", [], {"cols": ["企业", "排放源", "排放类别", "活动数据", "单位", "数据质量"], "rows": 6}),
        ("排放因子及其来源", [], {"cols": ["排放因子", "数值", "单位", "来源（文件、表、行）"], "rows": 5}),
        ("核算结果", [], {"cols": ["排放类别", "范围", "排放量(tCO2)", "占比"], "rows": 6}),
        ("数据质量", ["【说明活动数据的来源（计量、计算、估算）、监测设备的校准情况及不确定性。】"], None),
    ],
    "ACTIVITY_DATA_SUBMISSION": [
        ("报送信息", [], {"cols": ["项目", "内容"], "labels": ["企业名称", "统一社会信用代码", "报送期间", "填报人", "报送日期"]}),
        (
            "活动数据",
            [],
            {
                "cols": ["排放源", "排放类别", "数量", "单位", "数据质量", "实测参数", "计量器具编号"],
                "rows": 8,
            },
        ),
        ("证据文件", ["【列出台账、发票、结算单等证据文件。】"], None),
        ("确认", ["【体系管理员审核后以电子签名确认；确认后的记录不再修改，更正须另行报送并说明原因。】"], None),
    ],
    "MONITORING_EQUIPMENT_REGISTER": [
        ("说明", ["【列出用于碳排放监视和测量的设备，并保持其校准或检定状态（10.1.1、7.3.2 j））。】"], None),
        (
            "设备清单",
            [],
            {
                "cols": [
                    "设备名称/编号",
                    "测量对象",
                    "所属企业/排放源",
                    "准确度等级",
                    "校准/检定周期",
                    "上次日期",
                    "下次日期",
                    "证书编号",
                ],
                "rows": 8,
            },
        ),
    ],
    "INITIAL_REVIEW": [
        ("评审信息", [], {"cols": ["项目", "内容"], "labels": ["评审日期", "评审组成员", "评审范围", "评审方法"]}),
        ("现状调查", ["【园区碳排放管理现状、碳排放源、能源结构、已有管理制度及其与本文件要求的差距。】"], None),
        ("评审结论", ["【初始评审结论，作为制定碳排放管理目标、基准和体系文件的依据（6.4、7.1）。】"], None),
    ],
}


# ---------------------------------------------------------------------- writing


def _east_asian(style_or_run, font: str) -> None:
    element = style_or_run.element
    r_pr = element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(r_fonts)
    r_fonts.set(qn("w:eastAsia"), font)


def _setup_styles(doc) -> None:  # noqa: ANN001
    normal = doc.styles["Normal"]
    normal.font.name = "SimSun"
    normal.font.size = Pt(10.5)
    _east_asian(normal, "宋体")
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        style = doc.styles[name]
        style.font.name = "SimHei"
        style.font.color.rgb = RGBColor(0, 0, 0)
        _east_asian(style, "黑体")


def _para(container, text: str, *, style: str | None = None, bold: bool = False, align=None):  # noqa: ANN001, ANN202
    paragraph = container.add_paragraph(style=style)
    run = paragraph.add_run(text)
    run.bold = bold
    if align is not None:
        paragraph.alignment = align
    return paragraph


def _grid(doc, cols: int):  # noqa: ANN001, ANN202
    table = doc.add_table(rows=0, cols=cols)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    return table


def _row(table, values: list[str], *, bold: bool = False) -> None:  # noqa: ANN001
    cells = table.add_row().cells
    for cell, value in zip(cells, values, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(value)
        run.bold = bold


def _table(doc, spec: dict) -> None:  # noqa: ANN001
    cols = spec["cols"]
    table = _grid(doc, len(cols))
    _row(table, cols, bold=True)
    if "loop" in spec:
        clause_id, group = spec["loop"]
        ref = f"clause_index['{clause_id}'].groups[{group}].items"
        _row(table, [f"{{%tr for item in {ref} %}}"] + [""] * (len(cols) - 1))
        _row(table, ["{{ item.mark }} {{ item.text }}"] + [""] * (len(cols) - 1))
        _row(table, ["{%tr endfor %}"] + [""] * (len(cols) - 1))
    elif "labels" in spec:
        for label in spec["labels"]:
            _row(table, [label] + [""] * (len(cols) - 1))
    else:
        for _ in range(spec.get("rows", 3)):
            _row(table, [""] * len(cols))


CHINESE_NUMBERS = "一二三四五六七八九十"


def _number(index: int) -> str:
    if index <= 10:
        return CHINESE_NUMBERS[index - 1]
    return "十" + CHINESE_NUMBERS[index - 11]


def build_one(code: str, outline: list[Section], path: Path) -> None:
    doc = Document()
    _setup_styles(doc)
    section = doc.sections[0]
    header = section.header.paragraphs[0]
    header.text = (
        "{{ park.name }}　{{ doc_type.title_zh }}　受控编号：{{ document.control_no }}　第{{ revision.number }}版"
    )
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer = section.footer.paragraphs[0]
    footer.text = "依据 T/CPQS ZC001—2025 编制　{{ doc_type.code }}　生成日期 {{ today }}"
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER

    _para(doc, "{{ park.name }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    doc.add_heading("{{ document.title }}", level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, "{{ doc_type.title_zh }} / {{ doc_type.title_en }}", align=WD_ALIGN_PARAGRAPH.CENTER)

    info = _grid(doc, 4)
    _row(info, ["产业园区", "{{ park.name }}（{{ park.code }}）", "受控编号", "{{ document.control_no }}"])
    _row(info, ["版本", "第{{ revision.number }}版", "编制日期", "{{ today }}"])
    _row(info, ["编制单位", "{{ document.owner_unit }}", "密级", "{{ document.access_level_zh }}"])
    _row(info, ["类别", "{{ doc_type.kind_zh }}", "批准权限", "{{ doc_type.approver_zh }}"])
    _row(info, ["复审周期", "{{ doc_type.review_cycle }}", "保存期限", "{{ doc_type.retention }}"])
    _row(info, ["记录期间", "{{ record.period }}", "文件类型代码", "{{ doc_type.code }}"])

    doc.add_heading("一、编制依据和标准要求", level=1)
    _para(doc, "{{ doc_type.description_zh }}")
    _para(
        doc,
        "本{{ doc_type.kind_zh }}依据 T/CPQS ZC001—2025《产业园区碳排放管理体系建设规范》的下列条款编制，"
        "条款要求原文如下：",
    )
    _para(doc, "{%p for clause in clauses %}")
    doc.add_heading("{{ clause.id }} {{ clause.title_zh }}", level=2)
    _para(doc, "{%p for text in clause.paragraphs %}")
    _para(doc, "{{ text }}")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p for group in clause.groups %}")
    _para(doc, "{%p if group.title %}")
    _para(doc, "{{ group.title }}：", bold=True)
    _para(doc, "{%p endif %}")
    _para(doc, "{%p for item in group.items %}")
    _para(doc, "{{ item.mark }} {{ item.text }}")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p endfor %}")

    for index, (heading, paragraphs, table) in enumerate(outline, start=2):
        doc.add_heading(f"{_number(index)}、{heading}", level=1)
        for text in paragraphs:
            _para(doc, text)
        if table:
            _table(doc, table)

    doc.add_heading(f"{_number(len(outline) + 2)}、审批与修订记录", level=1)
    _para(doc, "审批以 carbonms 中的电子签名为准（签署人、时间、含义和所签文件的 SHA-256）。")
    approvals = _grid(doc, 3)
    _row(approvals, ["环节", "签署人", "日期"], bold=True)
    _row(approvals, ["编制", "", ""])
    _row(approvals, ["{{ doc_type.sign_zh }}", "", ""])
    _row(approvals, ["批准（{{ doc_type.approver_zh }}）", "", ""])
    _para(doc, "")
    history = _grid(doc, 3)
    _row(history, ["版本", "日期", "变更说明"], bold=True)
    _row(history, ["第{{ revision.number }}版", "{{ today }}", "{{ revision.change_reason }}"])
    doc.save(path)


def main() -> int:
    clause_map = load_clause_map(ROOT / "clause_map.yaml")
    codes = [spec.code for spec in clause_map.doc_types]
    missing = sorted(set(codes) - set(OUTLINES))
    extra = sorted(set(OUTLINES) - set(codes))
    if missing or extra:
        print(f"outlines missing for {missing}, unknown outlines {extra}", file=sys.stderr)
        return 1
    for code in codes:
        build_one(code, OUTLINES[code], HERE / f"{code}.docx")
    print(f"wrote {len(codes)} templates to {HERE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
