"""Plausible e-mail addresses for the demo's CPAs: the name in pinyin, a number, `@example.com` (a domain reserved
for examples: nothing is ever delivered to a real person). Every ninth CPA has none, so the demo shows both."""

from __future__ import annotations

_TABLE = """
王:wang 李:li 张:zhang 刘:liu 陈:chen 杨:yang 黄:huang 赵:zhao 吴:wu 周:zhou 徐:xu 孙:sun 马:ma 朱:zhu
胡:hu 郭:guo 何:he 高:gao 林:lin 罗:luo 郑:zheng 梁:liang 谢:xie 宋:song 唐:tang 许:xu 韩:han 冯:feng
邓:deng 曹:cao 彭:peng 曾:zeng 肖:xiao 田:tian 董:dong 袁:yuan 潘:pan 于:yu 蒋:jiang 蔡:cai 余:yu 杜:du
叶:ye 程:cheng 苏:su 魏:wei 吕:lv 丁:ding 任:ren 沈:shen 姚:yao 卢:lu 姜:jiang 崔:cui 钟:zhong 谭:tan
陆:lu 汪:wang 范:fan 金:jin 石:shi 廖:liao 贾:jia 夏:xia 韦:wei 付:fu 方:fang 白:bai 邹:zou 孟:meng
熊:xiong 秦:qin 邱:qiu 江:jiang 尹:yin 薛:xue 闫:yan 段:duan 雷:lei 侯:hou 龙:long 史:shi 陶:tao 黎:li
贺:he 顾:gu 毛:mao 郝:hao 龚:gong 邵:shao 万:wan 钱:qian 严:yan 覃:qin 武:wu 戴:dai 莫:mo 孔:kong
向:xiang 汤:tang 伟:wei 强:qiang 磊:lei 军:jun 勇:yong 杰:jie 涛:tao 斌:bin 超:chao 明:ming 辉:hui
刚:gang 健:jian 波:bo 鹏:peng 飞:fei 宇:yu 浩:hao 俊:jun 峰:feng 凯:kai 毅:yi 志:zhi 建:jian 国:guo
华:hua 亮:liang 文:wen 博:bo 海:hai 东:dong 晨:chen 阳:yang 松:song 芳:fang 娜:na 敏:min 静:jing 丽:li
艳:yan 娟:juan 霞:xia 秀:xiu 英:ying 玲:ling 燕:yan 红:hong 梅:mei 琳:lin 萍:ping 婷:ting 雪:xue
颖:ying 倩:qian 洁:jie 慧:hui 佳:jia 瑶:yao 丹:dan 蓉:rong 欣:xin 怡:yi 晶:jing 岚:lan 琴:qin 月:yue
"""
#: Pinyin of every character the demo's names are made of (people.SURNAMES, GIVEN_MALE, GIVEN_FEMALE).
PINYIN = dict(pair.split(":", 1) for pair in _TABLE.split())
DOMAIN = "example.com"


def pinyin(name: str) -> str:
    return "".join(PINYIN.get(ch, "") for ch in name)


def demo_email(name: str, cert_no: str) -> str:
    """`lvjiangang001@example.com` for 吕建刚 with certificate number …0001; '' for every ninth CPA."""
    serial = int(cert_no[-4:]) if cert_no[-4:].isdigit() else 0
    if serial % 9 == 0:
        return ""
    return f"{pinyin(name) or 'cpa'}{serial % 1000:03d}@{DOMAIN}"
