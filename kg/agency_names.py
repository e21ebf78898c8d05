"""English names of Chinese government bodies, translated by their parts from a glossary of the standard
English names (生态环境局 → Bureau of Ecology and Environment, 发展和改革委员会 → Development and Reform
Commission, 交警支队 → Traffic Police Detachment …), with the jurisdiction's name in front. Pinyin only for
what the glossary does not know — proper names (周村, 济宁) — never for a whole body.

>>> english_name("生态环境局", "Jining City")
'Jining City Bureau of Ecology and Environment'
>>> english_name("公安局交警支队", "Lvliang City")
'Lvliang City Public Security Bureau Traffic Police Detachment'
>>> english_name("各县市区人民政府", "Jining City")
"People's Governments of all counties, cities and districts of Jining City"
>>> english_name("冬季清洁取暖领导小组办公室", "Lvliang City")
'Lvliang City Winter Clean Heating Leading Group Office'
"""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import lazy_pinyin

#: Whole bodies and the parts bodies are made of, with their standard English names. Matched longest
#: first, left to right; what is left between matches is a proper name (pinyin).
GLOSSARY: dict[str, str] = {
    # ministries, departments (厅, provincial), bureaus (局, city and county)
    "生态环境部": "Ministry of Ecology and Environment", "生态环境厅": "Department of Ecology and Environment",
    "生态环境局": "Bureau of Ecology and Environment", "生态环境分局": "Ecology and Environment Branch Bureau",
    "生态环境保护综合执法支队": "Ecological and Environmental Protection Comprehensive Law Enforcement Detachment",
    "生态环境保护": "Ecological and Environmental Protection",
    "国家发展和改革委员会": "National Development and Reform Commission",
    "发展和改革委员会": "Development and Reform Commission", "发展和改革局": "Development and Reform Bureau",
    "工业和信息化部": "Ministry of Industry and Information Technology",
    "工业和信息化厅": "Department of Industry and Information Technology",
    "工业和信息化局": "Bureau of Industry and Information Technology",
    "住房和城乡建设部": "Ministry of Housing and Urban-Rural Development",
    "住房和城乡建设厅": "Department of Housing and Urban-Rural Development",
    "住房和城乡建设局": "Bureau of Housing and Urban-Rural Development",
    "交通运输部": "Ministry of Transport", "交通运输厅": "Department of Transport", "交通运输局": "Bureau of Transport",
    "交通局": "Transport Bureau",
    "公安部": "Ministry of Public Security", "公安厅": "Department of Public Security", "公安局": "Public Security Bureau",
    "公安分局": "Public Security Branch Bureau",
    "国家市场监督管理总局": "State Administration for Market Regulation",
    "市场监督管理局": "Administration for Market Regulation",
    "农业农村部": "Ministry of Agriculture and Rural Affairs", "农业农村厅": "Department of Agriculture and Rural Affairs",
    "农业农村局": "Bureau of Agriculture and Rural Affairs",
    "国家能源局": "National Energy Administration", "能源局": "Energy Administration",
    "财政部": "Ministry of Finance", "财政厅": "Department of Finance", "财政局": "Finance Bureau",
    "应急管理部": "Ministry of Emergency Management", "应急管理厅": "Department of Emergency Management",
    "应急管理局": "Emergency Management Bureau",
    "自然资源部": "Ministry of Natural Resources", "自然资源厅": "Department of Natural Resources",
    "自然资源局": "Natural Resources Bureau", "自然资源和规划局": "Bureau of Natural Resources and Planning",
    "水利部": "Ministry of Water Resources", "水利厅": "Department of Water Resources", "水利局": "Water Resources Bureau",
    "城乡水务局": "Urban and Rural Water Affairs Bureau", "水务局": "Water Affairs Bureau",
    "商务部": "Ministry of Commerce", "商务厅": "Department of Commerce", "商务局": "Bureau of Commerce",
    "气象局": "Meteorological Bureau", "城市管理局": "Urban Management Bureau",
    "城市管理综合执法局": "Urban Management and Comprehensive Law Enforcement Bureau",
    "综合行政执法局": "Comprehensive Administrative Law Enforcement Bureau",
    "海事局": "Maritime Safety Administration", "海关": "Customs",
    "行政审批服务局": "Administrative Approval Service Bureau",
    "行政审批服务管理局": "Administrative Approval Service Administration",
    "统计局": "Statistics Bureau", "税务局": "Taxation Bureau",
    "人力资源和社会保障局": "Human Resources and Social Security Bureau",
    "人力资源和社会保障厅": "Department of Human Resources and Social Security",
    "科学技术局": "Science and Technology Bureau", "科技局": "Science and Technology Bureau",
    "科学技术厅": "Department of Science and Technology", "教育局": "Education Bureau", "教育厅": "Department of Education",
    "卫生健康委员会": "Health Commission", "卫生健康局": "Health Bureau", "文化和旅游局": "Culture and Tourism Bureau",
    "林业局": "Forestry Bureau", "林业和草原局": "Forestry and Grassland Bureau",
    "邮政管理局": "Postal Administration", "国家邮政局": "State Post Bureau",
    "机关事务管理局": "Government Offices Administration", "国有资产监督管理委员会": "State-owned Assets Supervision and "
                                                                         "Administration Commission",
    "司法局": "Justice Bureau", "民政局": "Civil Affairs Bureau", "审计局": "Audit Bureau",
    "大数据局": "Big Data Bureau", "地方金融监督管理局": "Local Financial Supervision and Administration Bureau",
    "人民银行": "People's Bank of China Branch", "银保监分局": "Banking and Insurance Regulatory Branch",
    # governments, party organs, committees
    "人民政府": "People's Government", "政府": "Government", "人民政府办公室": "People's Government General Office",
    "人民政府办公厅": "People's Government General Office",
    "管委会": "Administrative Committee", "管理委员会": "Administrative Committee",
    "委组织部": "Party Committee Organisation Department", "组织部": "Organisation Department",
    "委宣传部": "Party Committee Publicity Department", "宣传部": "Publicity Department",
    "纪委监委": "Commission for Discipline Inspection and Supervision",
    "领导小组办公室": "Leading Group Office", "领导小组": "Leading Group", "成员单位": "member units",
    "委员会": "Commission", "办公室": "Office", "办公厅": "General Office",
    "大气办": "Air Pollution Prevention Office", "大气污染防治办公室": "Air Pollution Prevention Office",
    "攻坚办": "Campaign Office", "蓝天办": "Blue Sky Office",
    # units, centres, sections
    "交警支队": "Traffic Police Detachment", "交警大队": "Traffic Police Brigade", "支队": "Detachment",
    "大队": "Brigade", "分局": "Branch Bureau", "中心": "Centre", "科": "Section", "站": "Station", "所": "Institute",
    "供电中心": "Power Supply Centre", "供电公司": "Power Supply Company", "供电": "Power Supply",
    "国网": "State Grid", "国家电网": "State Grid",
    "公用事业服务中心": "Public Utilities Service Centre", "园林绿化服务中心": "Landscaping and Greening Service Centre",
    "城乡环境卫生维护中心": "Urban and Rural Sanitation Maintenance Centre",
    "林业服务中心": "Forestry Service Centre", "畜牧业服务中心": "Animal Husbandry Service Centre",
    "畜牧兽医中心": "Animal Husbandry and Veterinary Centre",
    "宣教信息中心": "Publicity, Education and Information Centre",
    "机动车排气检测中心": "Motor Vehicle Exhaust Testing Centre", "环境监测站": "Environmental Monitoring Station",
    "环境监测中心": "Environmental Monitoring Centre",
    "法规科": "Regulations Section", "环评科": "Environmental Impact Assessment Section",
    "规财科": "Planning and Finance Section", "大气科": "Air Section",
    "公路事业发展中心": "Highway Development Centre", "民航事业发展中心": "Civil Aviation Development Centre",
    "港航事业发展中心": "Port and Shipping Development Centre", "铁路物流中心": "Railway Logistics Centre",
    "营业部": "Business Department", "经开": "Economic and Technological Development Zone",
    "经济技术开发区": "Economic and Technological Development Zone", "高新": "High-tech Zone",
    "高新技术产业开发区": "High-tech Industrial Development Zone", "开发区": "Development Zone",
    "十条工作线各责任部门": "responsible departments of the ten work lines", "工作线": "work lines", "十条": "ten", "责任部门": "responsible departments", "牵头单位": "lead units",
    "冬季清洁取暖": "Winter Clean Heating", "清洁取暖": "Clean Heating",
    "相关部门": "relevant departments", "有关部门": "relevant departments", "相关单位": "relevant units",
    "有关单位": "relevant units", "直属有关单位": "directly affiliated units", "直相关部门": "directly subordinate relevant "
                                                                              "departments",
    "直有关部门": "directly subordinate relevant departments", "部门": "departments", "单位": "units",
    "相关": "relevant", "有关": "relevant", "县市区": "counties, cities and districts",
    "县（市、区）": "counties, cities and districts", "县区": "counties and districts", "市": "cities",
    "县": "counties", "区": "districts", "乡镇": "townships", "街道": "sub-districts", "企业": "enterprises",
}
#: Words a collective (各…) or a plural of bodies reads in the plural.
_PLURAL = {"People's Government": "People's Governments", "Government": "Governments",
           "Branch Bureau": "Branch Bureaus", "Office": "Offices", "Centre": "Centres"}
_LONGEST = max(map(len, GLOSSARY))
#: A level prefix left on a name whose place is not known (市…, 县…): the level as an adjective.
_LEVEL_WORDS = {"省": "Provincial", "市": "Municipal", "县": "County", "区": "District"}
_PUNCT = re.compile(r"[“”\"'《》（）()、，,]")


@lru_cache(maxsize=8192)
def _pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text)).capitalize()


def _place(text: str) -> str | None:
    """The English (pinyin) name of a place named at the start of ``text`` (周村, 济宁), if one is."""
    from kg.regions import english_label, gazetteer

    found = gazetteer().find(text, short_names=True)
    if found and found[0].start == 0:
        return english_label(found[0].region), found[0].end  # type: ignore[return-value]
    return None


def parts(body: str) -> list[tuple[str, str, bool]]:
    """``body`` cut into (Chinese, English, known) parts: glossary words, places, else pinyin runs."""
    out: list[tuple[str, str, bool]] = []
    i, unknown = 0, ""
    text = _PUNCT.sub("", body)

    def flush() -> None:
        nonlocal unknown
        if unknown:
            out.append((unknown, _pinyin(unknown), False))
            unknown = ""

    while i < len(text):
        for size in range(min(_LONGEST, len(text) - i), 0, -1):
            word = text[i:i + size]
            if word in GLOSSARY and (size > 1 or not unknown):
                flush()
                out.append((word, GLOSSARY[word], True))
                i += size
                break
        else:
            place = _place(text[i:]) if not unknown else None
            if place is not None:
                english, end = place  # type: ignore[misc]
                out.append((text[i:i + end], english, True))
                i += end
            else:
                unknown += text[i]
                i += 1
    flush()
    return out


def english_name(body: str, place: str = "") -> str:
    """The English name of the body ``body`` (without its jurisdiction) of the place ``place``."""
    collective = body.startswith("各")
    level = ""
    if not collective and body[:1] in _LEVEL_WORDS and len(body) > 2:  # 市生态环境保护综合执法支队, no place known
        level, body = ("" if place else _LEVEL_WORDS[body[0]]), body[1:]
    pieces = parts(body[1:] if collective else body)
    if level:
        pieces.insert(0, (body[:0], level, True))
    words = [english for _, english, _ in pieces]
    if any(known and chinese and chinese not in GLOSSARY for chinese, _, known in pieces):
        place = ""  # the name carries its place (济宁海关, 周村交警大队): not said twice
    elif pieces and not pieces[0][2] and place.split(" ")[0] == pieces[0][1]:
        words[0], place = place, ""  # 秦都分局 of 秦都区: Qindou District Branch Bureau
    if collective:
        # 各县市区人民政府 -> People's Governments of all counties, cities and districts; 各相关分局 -> all
        # relevant Branch Bureaus
        head = _PLURAL.get(words[-1], words[-1]) if words else ""
        rest = words[:-1]
        if rest and not all(word.islower() and " " not in word for word in rest):
            name = f"{head} of all {' '.join(rest)}"
        else:
            name = " ".join(["all", *rest, head])
        return f"{name} of {place}".strip() if place else name
    name = " ".join(words)
    if name and name[0].islower():
        return f"{name} of {place}".strip() if place else name
    return f"{place} {name}".strip()
