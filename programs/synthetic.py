"""Synthetic identities for demo and test data: valid in form, belonging to nobody.

Names are drawn from common characters, ID numbers carry a correct check
character, and bank cards pass Luhn. Never load real people's data here.
"""

import random
from datetime import date, timedelta

from stdnum import luhn
from stdnum.cn import ric

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "子浩宇轩涵雨欣怡佳琪梦婷思雅晨阳博文嘉俊一诺心悦可馨雪丽静慧敏杰磊鹏飞婉清晓燕"
# Region codes of a few Changsha districts (public administrative codes).
REGIONS = ["430102", "430103", "430104", "430105", "430111", "430121"]


def make_id_number(rng: random.Random, birth_year: int = 2001) -> str:
    birth = date(birth_year, 1, 1) + timedelta(days=rng.randrange(365))
    body = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return body + ric.calc_check_digit(body)


def make_bank_card(rng: random.Random) -> str:
    body = "621700" + "".join(str(rng.randrange(10)) for _ in range(12))
    return body + luhn.calc_check_digit(body)


def make_phone(rng: random.Random) -> str:
    return "1" + rng.choice("3578") + "".join(str(rng.randrange(10)) for _ in range(9))


def make_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
