"""Demo settlement data for the demo programme: two labs with 110 working
computers in all (one loses eight machines on Double 11), room 206 used
without equipment, the deposit paid and the insurance bought. Safe to run
again: skipped when the programme already has rooms."""

from datetime import date
from decimal import Decimal

from django.db import transaction

from stipends.settlement.models import Room, RoomUse, SettlementPayment, SettlementRecord

START, BROKE, END = date(2020, 10, 26), date(2020, 11, 11), date(2020, 11, 22)


def build(context: dict, log=print) -> None:
    programme = context.get("programme")
    if programme is None:
        return
    if Room.objects.filter(programme=programme).exists():
        log(f"演示结算数据已存在：{programme}")
        return
    with transaction.atomic():
        lab_a = Room.objects.create(programme=programme, name="实训楼301机房", kind=Room.Kind.LAB)
        lab_b = Room.objects.create(programme=programme, name="实训楼302机房", kind=Room.Kind.LAB)
        plain = Room.objects.create(programme=programme, name="206教室", kind=Room.Kind.PLAIN, notes="仅有场地，无设备")
        RoomUse.objects.bulk_create([
            RoomUse(room=lab_a, start=START, end=date(2020, 11, 10), computers=60),
            RoomUse(room=lab_a, start=BROKE, end=END, computers=52),  # 8 machines broke down on Double 11
            RoomUse(room=lab_b, start=START, end=END, computers=50),
            RoomUse(room=plain, start=START, end=END),
        ])
        SettlementPayment.objects.create(
            programme=programme, paid_on=date(2020, 8, 21), amount=Decimal("10000.00"),
            kind=SettlementPayment.Kind.DEPOSIT, note="定金（银行转账）",
        )
        SettlementRecord.objects.update_or_create(
            programme=programme, defaults={"insurance_bought_on": date(2020, 10, 22)},
        )
    log(f"已创建演示结算数据：{programme}（2 个机房共 110 台电脑、206 教室、定金 ¥10,000）")
