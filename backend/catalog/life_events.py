"""The fixed vocabulary of life events citizens browse the catalog by."""

from __future__ import annotations

from backend.lib.schema import I18n

__all__ = ["LIFE_EVENTS"]

LIFE_EVENTS: dict[str, I18n] = {
    "having_a_baby": I18n(th="มีบุตร", en="Having a baby"),
    "moving_house": I18n(th="ย้ายที่อยู่", en="Moving house"),
    "identity_documents": I18n(th="บัตรและเอกสารประจำตัว", en="ID and documents"),
    "driving": I18n(th="การขับขี่และยานพาหนะ", en="Driving and vehicles"),
    "growing_older": I18n(th="ผู้สูงอายุ", en="Growing older"),
    "disability": I18n(th="คนพิการ", en="Living with a disability"),
    "farming": I18n(th="เกษตรกรรม", en="Farming"),
    "work_and_jobs": I18n(th="การทำงานและว่างงาน", en="Work and losing a job"),
    "health": I18n(th="สุขภาพ", en="Health"),
    "starting_a_business": I18n(th="เริ่มต้นธุรกิจ", en="Starting a business"),
    "travel_abroad": I18n(th="เดินทางต่างประเทศ", en="Travelling abroad"),
    "death_in_family": I18n(th="การเสียชีวิตในครอบครัว", en="A death in the family"),
}
