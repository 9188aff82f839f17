"""Land-use codes the generator writes (GB/T 21010-2017 + 三调 working codes) and the class mixes.

Every code used here must also be in seeds/landuse-gb21010.csv; check_district.py verifies that.
"""

# code -> official Chinese name (DLMC)
DLMC = {
    "0101": "水田", "0102": "水浇地", "0103": "旱地",
    "0201": "果园", "0202": "茶园",
    "0301": "乔木林地", "0302": "竹林地", "0307": "其他林地",
    "05H1": "商业服务业设施用地",
    "0601": "工业用地", "0604": "仓储用地",
    "0701": "城镇住宅用地", "0702": "农村宅基地",
    "08H1": "机关团体新闻出版用地", "08H2": "科教文卫用地", "0810": "公园与绿地",
    "1003": "公路用地", "1004": "城镇村道路用地", "1006": "农村道路",
    "1104": "坑塘水面", "1107": "沟渠",
    "1201": "空闲地", "1202": "设施农用地", "1203": "田坎",
}
CODES = list(DLMC)
IDX = {c: i for i, c in enumerate(CODES)}
FARMLAND = ("0101", "0102", "0103")

# 权属性质: state-owned (10) vs collective (30). Industrial land is state-owned unless drawn collective.
STATE_CODES = {"0701", "05H1", "08H1", "08H2", "0810", "1003", "1004"}

# superblock classes
FARM, IND, URBAN, VILLAGE, FOREST, WATER = range(6)
CLASS_NAMES = ["farmland", "industrial", "urban", "village", "forest", "water"]

# (codes, weights) drawn per parcel inside a superblock of each non-farmland class
MIX = {
    IND: (["0601", "0604", "1201", "0103"], [0.82, 0.10, 0.03, 0.05]),
    URBAN: (["0701", "05H1", "08H2", "08H1", "0810", "1201"], [0.70, 0.12, 0.07, 0.04, 0.04, 0.03]),
    VILLAGE: (["0702", "1201", "1202", "0103", "1104"], [0.78, 0.06, 0.04, 0.07, 0.05]),
    FOREST: (["0301", "0201", "0202", "0307", "0302"], [0.40, 0.20, 0.20, 0.12, 0.08]),
    WATER: (["1104"], [1.0]),
}
# chunk sizes (columns, row-units) per class
CHUNK = {
    IND: ([2, 3], [0.5, 0.5], [1, 2], [0.3, 0.7]),
    URBAN: ([2], [1.0], [1, 2], [0.6, 0.4]),
    VILLAGE: ([1], [1.0], [1], [1.0]),
    FOREST: ([1, 2], [0.5, 0.5], [1, 2], [0.5, 0.5]),
    WATER: ([2], [1.0], [1], [1.0]),
}
