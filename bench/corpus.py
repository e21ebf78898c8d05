"""A synthetic corpus of air-quality action plans at national scale, deterministic for a seed.

Each plan is recombined from the shapes the seeds and ``tests/documents/`` show: a notice header
(文号, addressees, issuer, date) or a bare title; a preamble (为…，制定本方案。) with headline
targets; then one of six body layouts:

* ``paren``: 一、 → （一） measures, agencies in a trailing parenthesis (（市生态环境局牵头，…配合）),
  sometimes a blanket clause (以下工作均需各市负责落实，不再一一列出);
* ``items``: 一、 → （一） → 1． items with a trailing parenthesis;
* ``labels``: 一、 → （一） → 1． items followed by 责任领导： / 牵头单位： / 责任单位： lines;
* ``bracket``: 一、 → （一） → （1） or ① items with 〔…牵头，…参与，…负责落实〕;
* ``articles``: 第X章 / 第X条 followed by 责任单位：…（按职责分工负责） and 完成时限： lines;
* ``table``: TAB-separated 序号/重点任务/牵头单位/配合单位/完成时限 tables;

(national plans use ministries in parentheses). The plan's region is real (a province, a city or a
county from :func:`kg.regions.gazetteer`), named in the title with the year; agencies carry the
level prefix of the region (省/市/县/区), measures name real subordinate regions, deadlines come in
every form the extractor knows (…月底前, 年底前, 到2025年, …起, 每年5—9月, 每年10月至次年3月,
“十四五”期间, 采暖季前, 第三季度末前, 上半年, 长期坚持), and pollutants and sectors are drawn from the
labels of ``ontology/``.

Plan ``i`` depends only on ``(seed, i)``: the 10-plan corpus is the start of the 100-plan one.

>>> a = generate_plan(7, 3); a == generate_plan(7, 3)
True
>>> a.file_name.startswith("00003_")
True
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kg.models import Level, RegionRef
from kg.regions import CHINA, gazetteer

DEFAULT_SEED = 20240601
_EXCLUDED_PROVINCES = ("71", "81", "82")  # 台湾, 香港, 澳门: no mainland action plans
_ZH_NUM = "一二三四五六七八九十"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


@dataclass(frozen=True)
class GeneratedPlan:
    index: int
    file_name: str
    text: str
    region: RegionRef
    year: int
    layout: str
    measures: int


# --------------------------------------------------------------------------- vocabulary

POLLUTANTS = ["PM2.5", "PM10", "细颗粒物", "可吸入颗粒物", "二氧化硫", "氮氧化物", "NOx", "VOCs", "挥发性有机物",
              "臭氧", "一氧化碳", "氨", "扬尘", "非甲烷总烃", "恶臭", "油烟", "颗粒物"]
SECTORS = ["钢铁", "焦化", "水泥", "平板玻璃", "陶瓷", "砖瓦窑", "石灰窑", "铸造", "有色金属", "炭素", "橡胶制品",
           "人造板", "化工", "石化", "工业涂装", "包装印刷", "加油站", "储油库", "工业炉窑", "矿山", "燃煤锅炉",
           "煤电", "柴油货车", "机动车", "非道路移动机械", "船舶", "建筑工地", "渣土车", "秸秆", "餐饮", "岩棉",
           "家具制造", "电解铝", "氧化铝", "耐火材料", "散煤", "混凝土搅拌站"]
PLAN_TOPICS = ["空气质量持续改善行动方案", "大气污染防治攻坚行动实施方案", "空气质量改善进位行动方案",
               "蓝天保卫战实施方案", "大气环境质量巩固提升行动方案", "空气质量再提升行动计划",
               "大气污染防治工作要点", "重污染天气消除攻坚行动方案", "臭氧污染防治攻坚行动方案",
               "柴油货车污染治理攻坚战实施方案", "秋冬季大气污染综合治理攻坚行动方案"]
SECTION_TITLES = ["调整优化产业结构", "推进重点行业深度治理", "优化调整能源结构", "加快运输结构调整",
                  "强化移动源污染防治", "深化面源污染治理", "加强扬尘精细化管控", "强化挥发性有机物综合治理",
                  "推进工业炉窑综合整治", "积极应对重污染天气", "强化区域联防联控", "提升监测监管能力",
                  "开展臭氧污染防治攻坚", "推进散煤清洁化替代"]
GUARANTEES = [("加强组织领导", "各有关部门主要负责同志为第一责任人，制定本单位落实方案，细化工作措施，定期研究解决重点难点问题。"),
              ("严格督导考核", "建立“日调度、周通报、月考核”工作机制，将大气污染防治任务完成情况纳入年度综合考核。"),
              ("强化资金保障", "统筹各级财政资金，支持治污设施升级改造、清洁取暖和大气环境监测能力建设。"),
              ("加强宣传引导", "充分利用报刊、广播、电视、网络等媒体，宣传大气污染防治法律法规和政策措施，鼓励公众参与监督。")]
PEOPLE = ["薛扬", "刘鲲", "王建国", "李红梅", "张伟", "陈静", "赵国强", "孙丽", "周涛", "吴敏", "郑海", "马芳林",
          "胡斌", "郭晓东", "何琳", "高峰"]

# Measure templates: {title} is the heading; the body has slots for sectors, pollutants, deadlines,
# places, numbers. Their wording comes from the seeds and the test documents.
MEASURES: list[tuple[str, str]] = [
    ("严格项目准入", "严禁新、改、扩建{s1}、{s2}等行业项目（污染治理提升类项目除外），{d1}，新建涉气项目原则上达到环保绩效A级水平。"),
    ("推进{s1}行业超低排放改造", "全面推进{s1}、{s2}企业有组织、无组织和清洁运输超低排放改造，{b1}完成{n}家企业改造，{p1}、{p2}排放浓度稳定达标。"),
    ("强化{s1}综合整治", "开展{s1}排查整治，建立管理清单并动态更新；{d1}，督促{place}对治污设施不规范、运行不正常的企业进行整改，确保{b2}稳定达标排放。"),
    ("深化{p1}综合治理", "推动{s1}、{s2}企业使用低{p1}含量原辅材料，规范活性炭吸附装置的装填量和更换周期；{d1}，引导涉{p1}排放工序避开午后高温时段作业。"),
    ("加强{s1}污染管控", "依托固定遥感监测设备开展{s1}路检路查，严查尾气冒黑烟等问题；{place}划定低排放控制区，{b1}完成{n}台车辆淘汰更新。"),
    ("推进清洁取暖改造", "坚持“先立后破、不立不破”，以平原地区散煤清零为目标，{b1}完成{n}户清洁取暖改造，{place}实现{s1}动态清零，减少{p1}排放。"),
    ("加强施工扬尘管控", "建筑工地严格落实“六个百分之百”要求，占地面积5000平方米以上工地安装视频监控和{p1}在线监测设备；{d1}，{place}渣土运输车辆全部实现全密闭运输。"),
    ("强化道路扬尘治理", "城市主次干道机械化湿式清扫率达到{pct}%以上；{d1}，增加城区道路洒水降尘频次，降尘量不高于{x}吨/平方公里·月。"),
    ("整治餐饮油烟污染", "建成区餐饮服务单位全部安装油烟净化设施并定期清洗维护，{b1}完成一轮全面排查，对群众投诉集中的单位实施“一店一策”整改。"),
    ("加强秸秆禁烧管控", "落实县、乡、村三级网格化监管，夏收、秋收期间实行秸秆禁烧全天候巡查，{d1}，推广测土配方施肥，减少氨排放。"),
    ("开展{s1}清理整治", "全面排查{s1}企业，分类实施升级改造、整合或淘汰；{d1}，{place}完成排查整治，{p1}排放量比上年下降{pct}%以上。"),
    ("推进燃煤锅炉淘汰", "{place}35蒸吨/小时以下燃煤锅炉、茶水炉和经营性炉灶全部淘汰，{b1}完成{n}台燃气锅炉低氮燃烧改造，{p1}排放浓度不高于50毫克/立方米。"),
    ("提升大宗货物清洁运输水平", "推动煤炭、矿石、建材等大宗货物“公转铁”“公转水”，{d1}，{s1}、{s2}等重点企业清洁运输比例达到{pct}%以上。"),
    ("保障成品油质量", "开展油品生产、储存、销售环节专项检查，严厉打击黑加油站点和流动加油车，{b1}实现加油站抽检全覆盖，减少{p1}逸散。"),
    ("加强非道路移动机械监管", "严格落实非道路移动机械编码登记和低排放控制区管理，{b1}完成{place}在用非道路移动机械编码登记，禁止超标排放机械进入禁用区作业。"),
    ("强化重污染天气应对", "修订完善重污染天气应急预案，动态更新应急减排清单，{b1}完成{n}家企业绩效分级；{d2}，{s1}、{s2}企业严格落实错峰生产。"),
    ("推进{s1}深度治理", "对{s1}企业开展治污设施“回头看”，逐家核查除尘、脱硫、脱硝设施运行记录，确保{p1}、{p2}稳定达标排放；{d1}，{place}重点涉气企业全部安装工况用电监控设施。"),
    ("严控煤炭消费总量", "落实煤炭消费减量替代要求，新增耗煤项目实行煤炭等量或减量替代；{d1}，煤炭消费总量控制在{n}万吨以内。"),
    ("加快淘汰老旧车辆", "{d1}，淘汰国三及以下排放标准营运柴油货车{n}辆，推进{place}公交、出租、环卫车辆电动化，减少{p1}排放。"),
    ("开展臭氧污染防治攻坚", "聚焦{s1}、{s2}等重点行业，{d1}，组织开展{p1}和{p2}协同减排专项行动，臭氧污染天数比上年减少{n}天。"),
    ("提升监测监控能力", "完善空气质量监测网络，在重点工业园区开展{p1}组分和非甲烷总烃监测；{b1}，{place}建成{n}个空气质量微站。"),
    ("加强执法监管", "运用走航监测、无人机巡查等手段精准溯源，依法查处{s1}企业超标排放、自动监测数据弄虚作假等违法行为，{d1}。"),
]
FILLERS = ["建立问题清单、任务清单、责任清单，实行台账式管理、销号式推进。",
           "对工作推进不力、问题整改不到位的，依规依纪进行约谈问责。",
           "加强技术帮扶指导，组织专家团队开展“一企一策”现场服务，帮助企业解决治理难题。",
           "强化部门联动，定期会商研判，及时通报进展情况，确保各项任务按期完成。",
           "将{s1}企业纳入重点监管名单，实行“双随机、一公开”监管，提高检查频次。",
           "{d1}，组织开展一轮专项执法检查，依法查处超标排放、偷排漏排等违法行为。",
           "引导企业实施清洁生产审核，从源头减少{p1}产生和排放。",
           "鼓励有条件的地区先行先试，形成可复制可推广的经验做法。"]
TARGETS = ["PM2.5年均浓度控制在{pm}微克/立方米以内", "优良天数比例达到{good}%以上", "重度及以上污染天数比例不高于{heavy}%",
           "氮氧化物、挥发性有机物重点工程减排量分别不低于{nox}万吨和{voc}万吨"]

# Agencies by body, (province form, city/county form); a level prefix is added per plan.
BODIES = [("生态环境厅", "生态环境局"), ("发展改革委", "发展改革委"), ("工业和信息化厅", "工业和信息化局"),
          ("公安厅", "公安局"), ("交通运输厅", "交通运输局"), ("住房和城乡建设厅", "住房和城乡建设局"),
          ("市场监管局", "市场监督管理局"), ("农业农村厅", "农业农村局"), ("自然资源厅", "自然资源和规划局"),
          ("财政厅", "财政局"), ("应急管理厅", "应急管理局"), ("商务厅", "商务局"), ("能源局", "能源局"),
          ("气象局", "气象局"), ("水利厅", "水利局"), ("科技厅", "科学技术局"), ("统计局", "统计局"),
          ("住房城乡建设厅", "城市管理局"), ("交通运输厅", "行政审批服务局")]
MINISTRIES = ["生态环境部", "国家发展改革委", "工业和信息化部", "公安部", "财政部", "住房城乡建设部", "交通运输部",
              "市场监管总局", "农业农村部", "商务部", "国家能源局", "中国气象局", "自然资源部", "应急管理部"]
OFFICES = ["大气办", "环评科", "执法支队", "监测站", "机动车排污监控中心", "综合科", "法规科"]


# --------------------------------------------------------------------------- regions


@cache
def _regions() -> dict[str, list[RegionRef]]:
    """Real regions by the level a plan is written at, sorted by code for determinism."""
    places = gazetteer()
    usable = sorted((r for r in places.all() if r.code != CHINA.code and r.code[:2] not in _EXCLUDED_PROVINCES),
                    key=lambda r: r.code)
    return {
        "province": [r for r in usable if r.level == Level.province],
        "city": [r for r in usable if r.level == Level.city],
        "county": [r for r in usable if r.level in (Level.county, Level.district)],
    }


@cache
def _children() -> dict[str, list[RegionRef]]:
    places = gazetteer()
    children: dict[str, list[RegionRef]] = {}
    for region in sorted(places.all(), key=lambda r: r.code):
        parent = places.parent(region.code)
        if parent is not None and parent.code != CHINA.code:
            children.setdefault(parent.code, []).append(region)
    return children


def _full_name(region: RegionRef) -> str:
    """省 + 市 + 县 as a title names a place: 河北省邢台市威县."""
    chain = [region, *gazetteer().ancestors(region.code)]
    return "".join(r.name for r in reversed(chain))


def _prefix(region: RegionRef) -> str:
    """The level prefix plans put before their own bodies: 省, 市, 县, 区, 旗 or 自治区."""
    if region.level == Level.province:
        if region.name.endswith("省"):
            return "省"
        return "市" if region.name.endswith("市") else "自治区"
    if region.level == Level.city:
        return "市"
    return region.name[-1] if region.name[-1] in "区县市旗" else "县"


def _short(region: RegionRef) -> str:
    for suffix in ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市", "地区", "盟"):
        if region.name.endswith(suffix) and len(region.name) - len(suffix) >= 2:
            return region.name[: -len(suffix)]
    return region.name


# --------------------------------------------------------------------------- one plan


class _PlanWriter:
    def __init__(self, seed: int, index: int) -> None:
        self.rnd = random.Random(f"airkg-bench:{seed}:{index}")
        self.index = index
        rnd = self.rnd
        roll = rnd.random()
        self.national = roll < 0.01
        if self.national:
            self.region = CHINA
        else:
            level = "province" if roll < 0.12 else "city" if roll < 0.55 else "county"
            self.region = rnd.choice(_regions()[level])
        self.year = rnd.randint(2018, 2025)
        self.layout = "national" if self.national else rnd.choices(
            ["paren", "items", "labels", "bracket", "articles", "table"], weights=[26, 22, 16, 14, 10, 12])[0]
        self.prefix = "" if self.national else _prefix(self.region)
        provincial = self.region.level == Level.province
        self.bodies = [self.prefix + (b[0] if provincial else b[1]) for b in BODIES]
        self.places = [r.name for r in _children().get(self.region.code, [])] or [self.region.name]
        self.lines: list[str] = []
        self.measures = 0
        self.people = rnd.sample(PEOPLE, 6)

    # -- pieces

    def _deadline(self, by_only: bool = False) -> str:
        """A time expression; ``by_only``: one that can open 完成… (a date or month to finish by)."""
        rnd, y = self.rnd, self.year
        if by_only:
            return rnd.choice([
                f"{rnd.randint(3, 12)}月底前", f"{y}年{rnd.randint(3, 12)}月底前", "年底前", f"{y + rnd.randint(0, 2)}年底前",
                f"{y}年{rnd.randint(1, 12)}月{rnd.randint(1, 28)}日前", "采暖季前", f"{y}年第{rnd.choice('一二三四')}季度末前",
                "上半年", f"{y + 1}年前"])
        forms = [
            lambda: f"{rnd.randint(3, 12)}月底前", lambda: f"{y}年{rnd.randint(3, 12)}月底前", lambda: "年底前",
            lambda: f"{y + rnd.randint(0, 2)}年底前", lambda: f"到{y + rnd.randint(1, 3)}年",
            lambda: f"{y}年{rnd.randint(1, 12)}月{rnd.randint(1, 28)}日前",
            lambda: f"自{y}年{rnd.randint(1, 12)}月{rnd.randint(1, 28)}日起", lambda: f"{y}年{rnd.randint(1, 12)}月起",
            lambda: "每年5—9月", lambda: "每年10月至次年3月", lambda: "“十四五”期间", lambda: "采暖季前",
            lambda: f"{y}年第{rnd.choice('一二三四')}季度末前", lambda: "上半年", lambda: "长期坚持",
            lambda: f"{y + 1}年前",
        ]
        return rnd.choice(forms)()

    def _fill(self, template: str) -> str:
        rnd = self.rnd
        s1, s2 = rnd.sample(SECTORS, 2)
        p1, p2 = rnd.sample(POLLUTANTS, 2)
        place = "、".join(rnd.sample(self.places, min(len(self.places), rnd.randint(1, 3))))
        return template.format(s1=s1, s2=s2, p1=p1, p2=p2, d1=self._deadline(), d2=self._deadline(),
                               b1=self._deadline(True), b2=self._deadline(True), place=place,
                               n=rnd.randint(2, 400), pct=rnd.randint(60, 98), x=round(rnd.uniform(2.5, 6.0), 1))

    def _measure(self) -> tuple[str, str]:
        title, body = self.rnd.choice(MEASURES)
        self.measures += 1
        filled_title = self._fill(title)
        text = self._fill(body)
        if self.rnd.random() < 0.35:
            text += self._fill(self.rnd.choice(MEASURES)[1])
        for filler in self.rnd.sample(FILLERS, self.rnd.choice((0, 1, 1, 2, 2, 3))):
            text += self._fill(filler)
        return filled_title, text

    def _agencies(self, k: int) -> list[str]:
        if self.national:
            return self.rnd.sample(MINISTRIES, k)
        return self.rnd.sample(self.bodies, k)

    def _local(self) -> str:
        if self.national:
            return "各省级人民政府"
        if self.region.level == Level.province:
            return self.rnd.choice(["各市", "各设区市人民政府", f"{len(self.places)}市"])
        if self.region.level == Level.city:
            return self.rnd.choice(["各县（市、区）人民政府", "各区县政府", "各县市区政府"])
        if self.rnd.random() < 0.5:
            towns = [n for n in ("城关", "东关", "西关", "南关", "北关", "新城", "河口", "杨庄") if self.rnd.random() < 0.3]
            if len(towns) >= 2:
                return "、".join(towns) + "镇人民政府"
        return "各乡镇人民政府"

    def _clause(self, open_: str = "（", close: str = "）") -> str:
        rnd = self.rnd
        shape = rnd.random()
        if shape < 0.3:
            return f"{open_}{self._agencies(1)[0]}负责{close}"
        if shape < 0.5:
            return f"{open_}{'、'.join(self._agencies(rnd.randint(2, 3)))}按职责分工负责{close}"
        lead, *support = self._agencies(rnd.randint(2, 4))
        parts = [f"{lead}牵头"]
        if support:
            parts.append(f"{'、'.join(support)}{rnd.choice(['配合', '参与'])}")
        if rnd.random() < 0.6:
            parts.append(f"{self._local()}负责落实")
        return open_ + "，".join(parts) + close

    # -- the document

    def title(self) -> str:
        topic = self.rnd.choice(PLAN_TOPICS)
        if self.national:
            return f"全国{self.year}年{topic}"
        name = _full_name(self.region) if self.region.level != Level.province else self.region.name
        if self.region.level == Level.city and self.rnd.random() < 0.5:
            name = self.region.name
        return f"{name}{self.year}年{topic}"

    def header(self, title: str) -> None:
        rnd = self.rnd
        issuer = "国务院办公厅" if self.national else self.region.name + rnd.choice(["人民政府", "人民政府办公室"])
        if rnd.random() < 0.6:
            short = "国办" if self.national else _short(self.region)[:2]
            self.lines += [f"{issuer}关于印发{title}的通知", f"{short}政办发〔{self.year}〕{rnd.randint(1, 60)}号", "",
                           "各有关单位：", f"《{title}》已经{'国务院' if self.national else self.region.name + '人民政府'}同意，"
                           "现印发给你们，请认真贯彻执行。", "", issuer,
                           f"{self.year}年{rnd.randint(1, 12)}月{rnd.randint(1, 28)}日", "（此件公开发布）", ""]
        if rnd.random() < 0.1:
            self.lines.append(f"[bookmark: _GoBack]{title}")
        else:
            self.lines.append(title)
        pm = round(rnd.uniform(22, 58), 1)
        targets = "，".join(t.format(pm=pm, good=round(rnd.uniform(60, 92), 1), heavy=round(rnd.uniform(0.5, 3), 1),
                                     nox=round(rnd.uniform(0.2, 3), 2), voc=round(rnd.uniform(0.1, 1.5), 2))
                           for t in rnd.sample(TARGETS, rnd.randint(1, 3)))
        self.lines.append("为深入打好蓝天保卫战，推动环境空气质量持续改善，结合实际，制定本方案。")
        self.lines.append(f"主要目标：到{self.year + rnd.randint(0, 2)}年，{targets}。")

    def body(self) -> None:
        rnd = self.rnd
        sections = rnd.sample(SECTION_TITLES, rnd.randint(3, 7))
        if self.layout == "articles":
            self._articles(sections)
            return
        self.lines.append("一、总体要求")
        self.lines.append("以习近平新时代中国特色社会主义思想为指导，以改善空气质量为核心，以降低PM2.5浓度为主线，"
                          "持续做好氮氧化物和挥发性有机物（VOCs）协同减排。")
        for number, section in enumerate(sections, 2):
            self.lines.append(f"{_zh(number)}、{section}")
            getattr(self, f"_{'paren' if self.layout == 'national' else self.layout}")(number)
        last = len(sections) + 2
        self.lines.append(f"{_zh(last)}、保障措施")
        for k, (title, text) in enumerate(rnd.sample(GUARANTEES, rnd.randint(1, 3)), 1):
            self.measures += 1
            self.lines.append(f"（{_zh(k)}）{title}。{text}{self._clause() if rnd.random() < 0.5 else ''}")

    def _paren(self, section: int) -> None:
        for k in range(1, self.rnd.randint(2, 6) + 1):
            title, text = self._measure()
            blanket = ""
            if section == 2 and k == 1 and not self.national and self.rnd.random() < 0.3:
                blanket = f"，以下工作均需{self._local()}负责落实，不再一一列出"
            clause = self._clause()
            self.lines.append(f"（{_zh(k)}）{title}。{text}{clause[:-1] + blanket + clause[-1]}")

    def _items(self, section: int) -> None:
        item = 0
        for k in range(1, self.rnd.randint(1, 3) + 1):
            self.lines.append(f"（{_zh(k)}）{self.rnd.choice(SECTION_TITLES)}")
            for _ in range(self.rnd.randint(2, 4)):
                item += 1
                title, text = self._measure()
                self.lines.append(f"{item}．{title}。{text}{self._clause()}")

    def _labels(self, section: int) -> None:
        item = 0
        for k in range(1, self.rnd.randint(1, 3) + 1):
            self.lines.append(f"（{_zh(k)}）{self.rnd.choice(SECTION_TITLES)}")
            for _ in range(self.rnd.randint(2, 4)):
                item += 1
                title, text = self._measure()
                self.lines.append(f"{item}.{title}。{text}")
                if self.rnd.random() < 0.5:
                    self.lines.append(f"责任领导：{self.rnd.choice(self.people)}")
                lead, *rest = self._agencies(self.rnd.randint(1, 3))
                if self.rnd.random() < 0.4:
                    lead = self.rnd.choice(OFFICES)
                self.lines.append(f"牵头单位：{lead}")
                self.lines.append(f"责任单位：{'、'.join(rest) if rest else self._local()}")

    def _bracket(self, section: int) -> None:
        circled = self.rnd.random() < 0.5
        for k in range(1, self.rnd.randint(1, 3) + 1):
            self.lines.append(f"（{_zh(k)}）{self.rnd.choice(SECTION_TITLES)}")
            for item in range(1, self.rnd.randint(2, 4) + 1):
                title, text = self._measure()
                number = _CIRCLED[item - 1] if circled else f"（{item}）"
                self.lines.append(f"{number}{title}。{text}{self._clause('〔', '〕')}")

    def _table(self, section: int) -> None:
        self.lines.append("序号\t重点任务\t牵头单位\t配合单位\t完成时限")
        for _ in range(self.rnd.randint(2, 5)):
            title, text = self._measure()
            lead, *support = self._agencies(self.rnd.randint(1, 4))
            row = self.measures
            self.lines.append(f"{row}\t{title}。{text}\t{lead}\t{'、'.join(support)}\t{self._deadline()}")

    def _articles(self, sections: list[str]) -> None:
        article = 1
        self.lines.append("第一章 总则")
        self.lines.append(f"第{_zh(article)}条 为深入打好蓝天保卫战，推动全域环境空气质量持续改善，制定本方案。")
        for chapter, section in enumerate(sections, 2):
            self.lines.append(f"第{_zh(chapter)}章 {section}")
            for _ in range(self.rnd.randint(2, 5)):
                article += 1
                title, text = self._measure()
                self.lines.append(f"第{_zh(article)}条 {title}。{text}")
                agencies = self._agencies(self.rnd.randint(1, 4))
                if self.rnd.random() < 0.3:
                    agencies[0] += "（牵头）"
                tail = "（按职责分工负责）" if self.rnd.random() < 0.7 else ""
                self.lines.append(f"责任单位：{'、'.join(agencies)}{tail}")
                self.lines.append(f"完成时限：{self._deadline()}")

    def document(self) -> GeneratedPlan:
        title = self.title()
        self.header(title)
        self.body()
        text = "\n".join(self.lines) + "\n"
        code = self.region.code
        return GeneratedPlan(self.index, f"{self.index:05d}_{code}_{self.year}.txt", text, self.region, self.year,
                             self.layout, self.measures)


def _zh(number: int) -> str:
    """一 … 九十九."""
    if number <= 10:
        return _ZH_NUM[number - 1]
    tens, ones = divmod(number, 10)
    return ("" if tens == 1 else _ZH_NUM[tens - 1]) + "十" + (_ZH_NUM[ones - 1] if ones else "")


# --------------------------------------------------------------------------- API


def generate_plan(seed: int, index: int) -> GeneratedPlan:
    """Plan number ``index`` of the corpus of ``seed``."""
    return _PlanWriter(seed, index).document()


def generate(count: int, seed: int = DEFAULT_SEED) -> Iterator[GeneratedPlan]:
    for index in range(count):
        yield generate_plan(seed, index)


def write_corpus(folder: Path, count: int, seed: int = DEFAULT_SEED) -> dict[str, int]:
    """Write ``count`` plans as UTF-8 .txt files into ``folder`` (emptied of .txt first).

    Returns:
        Counts: plans, characters, bytes, measures (as generated).
    """
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.txt"):
        old.unlink()
    totals = {"plans": 0, "characters": 0, "bytes": 0, "measures": 0}
    for plan in generate(count, seed):
        data = plan.text.encode("utf-8")
        (folder / plan.file_name).write_bytes(data)
        totals["plans"] += 1
        totals["characters"] += len(plan.text)
        totals["bytes"] += len(data)
        totals["measures"] += plan.measures
    return totals
