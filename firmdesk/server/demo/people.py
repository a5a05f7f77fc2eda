"""Fictional people and firms of the demo: names, ID numbers in a region that does not exist, CPA profiles,
and the persons who administer the demo's organisations."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from firmdesk.server.demo.facts import (
    CURRENT_YEAR,
    DEMO_FIRM_NUMBER,
    DEMO_INSTITUTE_CODE,
    PAST_YEARS,
    SECOND_FIRM_NUMBER,
    SICHUAN_FIRM_NUMBER,
    SICHUAN_INSTITUTE_CODE,
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_MALE = "伟强磊军勇杰涛斌超明辉刚健波鹏飞宇浩俊峰凯毅志建国华亮文博林海东晨阳松"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英玲燕红梅琳萍婷雪颖倩洁慧佳瑶丹蓉欣怡晶岚琴月"
DISTRICTS = [
    "渝中区",
    "江北区",
    "沙坪坝区",
    "九龙坡区",
    "南岸区",
    "渝北区",
    "巴南区",
    "北碚区",
    "万州区",
    "涪陵区",
    "永川区",
    "合川区",
    "江津区",
    "长寿区",
    "璧山区",
    "大足区",
]
NATIVE_PLACES = [
    "重庆市万州区",
    "重庆市涪陵区",
    "重庆市开州区",
    "四川省南充市",
    "四川省达州市",
    "四川省成都市",
    "湖北省恩施土家族苗族自治州",
    "贵州省遵义市",
    "湖南省常德市",
    "重庆市綦江区",
    "重庆市酉阳县",
]
ETHNICITIES = ("土家族", "苗族", "回族", "满族", "彝族")
POLITICAL = ("群众", "中共党员", "中共党员", "民盟盟员", "九三学社社员", "民建会员", "无党派人士")
FIRM_NAME_CHARS = "恒瑞诚泰德明正信和远嘉华源通达升立衡"
#: Region codes 509900-509999 belong to no real district, so these ID numbers can be nobody's.
FICTIONAL_REGION_PREFIX = "5099"


@dataclass(frozen=True)
class Profile:
    """What a CPA row is made of, before it has an id."""

    name: str
    gender: str
    birth_date: date
    retired: bool
    joined_firm_on: date
    #: Training hours by year.
    hours: dict[int, float]


def person_name(rng: random.Random, gender: str, taken: set[str]) -> str:
    given_chars = GIVEN_MALE if gender == "男" else GIVEN_FEMALE
    while True:
        given = "".join(rng.choice(given_chars) for _ in range(rng.choice((1, 2, 2))))
        name = rng.choice(SURNAMES) + given
        if name not in taken:
            taken.add(name)
            return name


def id_number(rng: random.Random, birth: date, gender: str) -> str:
    """An 18-character ID number in the national shape (with its check digit), in a region that does not exist."""
    seq = rng.randrange(0, 500) * 2 + (1 if gender == "男" else 0)
    body = f"{FICTIONAL_REGION_PREFIX}{rng.randrange(100):02d}{birth:%Y%m%d}{seq:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def cpa_profile(
    rng: random.Random,
    taken: set[str],
    *,
    age: int | None = None,
    retired: bool | None = None,
    low_hours: bool = False,
    moved: bool = False,
) -> Profile:
    """A fictional CPA; unspecified traits are drawn with realistic odds."""
    gender = "男" if rng.random() < 0.55 else "女"
    if age is None:
        age = rng.randint(70, 78) if rng.random() < 0.03 else rng.choice((rng.randint(28, 45), rng.randint(28, 66)))
    birth = date(CURRENT_YEAR - age, rng.randint(1, 12), rng.randint(1, 28))
    if retired is None:
        retired = age >= (60 if gender == "男" else 55) and rng.random() < 0.7
    if moved:
        joined = date(CURRENT_YEAR, rng.randint(2, 10), rng.randint(1, 28))
    else:
        joined = date(rng.randint(min(max(birth.year + 25, 2000), 2024), 2024), rng.randint(1, 12), rng.randint(1, 28))
    hours = {year: float(rng.choice((40, 42, 44, 48, 52, 56, 60, 64, 72, 80))) for year in (*PAST_YEARS, CURRENT_YEAR)}
    if low_hours:
        hours[CURRENT_YEAR] = float(rng.choice((16, 20, 24, 28, 32, 36)))
    return Profile(person_name(rng, gender, taken), gender, birth, retired, joined, hours)


def firm_name(rng: random.Random) -> str:
    return f"重庆{''.join(rng.sample(FIRM_NAME_CHARS, 2))}会计师事务所（特殊普通合伙）"


#: The 主管理员 (first account) of each demo organisation, by firm number or institute code.
DEMO_ADMINS = {
    DEMO_INSTITUTE_CODE: "陈静",
    DEMO_FIRM_NUMBER: "张丽",
    SECOND_FIRM_NUMBER: "刘洋",
    SICHUAN_INSTITUTE_CODE: "周蓉",
    SICHUAN_FIRM_NUMBER: "赵海",
}
#: Each demo institute's further named staff (审核员): login (the code, a hyphen, two digits) and person.
DEMO_INSTITUTE_STAFF = {
    DEMO_INSTITUTE_CODE: (("50-02", "王敏"), ("50-03", "孙伟")),
    SICHUAN_INSTITUTE_CODE: (("51-02", "何丹"),),
}


def admin_name(login: str) -> str:
    """The person administering the organisation `login`: the demo's own, else a name drawn from the login
    (from its own random sequence, so that adding administrators changes nothing else of a seeded world)."""
    if login in DEMO_ADMINS:
        return DEMO_ADMINS[login]
    rng = random.Random(f"admin {login}")
    return person_name(rng, rng.choice(("男", "女")), set())
