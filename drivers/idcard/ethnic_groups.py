"""GB 3304-1991 ethnic-group codes as stored on the resident ID card (spec idcard_mrz.md §5.2).

The one place that holds these display strings (public code has typos: 德昴 for 46, 毛难 for 36;
one table maps 46 to "Maonan"). Numeric codes and Chinese names are well attested (H); the romanised
names come from the spec writer's memory of GB 3304 (M) and are not shown to users by this driver.
"""

from __future__ import annotations

ETHNIC_GROUPS: dict[str, tuple[str, str]] = {
    "01": ("汉", "Han"),
    "02": ("蒙古", "Mongol"),
    "03": ("回", "Hui"),
    "04": ("藏", "Zang"),
    "05": ("维吾尔", "Uygur"),
    "06": ("苗", "Miao"),
    "07": ("彝", "Yi"),
    "08": ("壮", "Zhuang"),
    "09": ("布依", "Buyei"),
    "10": ("朝鲜", "Chosen"),
    "11": ("满", "Man"),
    "12": ("侗", "Dong"),
    "13": ("瑶", "Yao"),
    "14": ("白", "Bai"),
    "15": ("土家", "Tujia"),
    "16": ("哈尼", "Hani"),
    "17": ("哈萨克", "Kazak"),
    "18": ("傣", "Dai"),
    "19": ("黎", "Li"),
    "20": ("傈僳", "Lisu"),
    "21": ("佤", "Va"),
    "22": ("畲", "She"),
    "23": ("高山", "Gaoshan"),
    "24": ("拉祜", "Lahu"),
    "25": ("水", "Sui"),
    "26": ("东乡", "Dongxiang"),
    "27": ("纳西", "Naxi"),
    "28": ("景颇", "Jingpo"),
    "29": ("柯尔克孜", "Kirgiz"),
    "30": ("土", "Tu"),
    "31": ("达斡尔", "Daur"),
    "32": ("仫佬", "Mulao"),
    "33": ("羌", "Qiang"),
    "34": ("布朗", "Blang"),
    "35": ("撒拉", "Salar"),
    "36": ("毛南", "Maonan"),
    "37": ("仡佬", "Gelao"),
    "38": ("锡伯", "Xibe"),
    "39": ("阿昌", "Achang"),
    "40": ("普米", "Pumi"),
    "41": ("塔吉克", "Tajik"),
    "42": ("怒", "Nu"),
    "43": ("乌孜别克", "Uzbek"),
    "44": ("俄罗斯", "Russ"),
    "45": ("鄂温克", "Ewenki"),
    "46": ("德昂", "Deang"),
    "47": ("保安", "Bonan"),
    "48": ("裕固", "Yugur"),
    "49": ("京", "Gin"),
    "50": ("塔塔尔", "Tatar"),
    "51": ("独龙", "Derung"),
    "52": ("鄂伦春", "Oroqen"),
    "53": ("赫哲", "Hezhen"),
    "54": ("门巴", "Monba"),
    "55": ("珞巴", "Lhoba"),
    "56": ("基诺", "Jino"),
    "97": ("其他", "Other"),
    "98": ("外国血统中国籍人士", "Naturalised citizen of foreign origin"),
}


def ethnic_group_name(code: str) -> str | None:
    """The Chinese name for a two-digit code, or None for a code outside the table."""
    entry = ETHNIC_GROUPS.get(code)
    return entry[0] if entry else None
