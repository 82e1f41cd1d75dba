"""Demo catalog: real Thai agencies and services with realistic forms.

Fees and processing times are illustrative, close to what the agencies publish, not official.
"""

from __future__ import annotations

from typing import Any

__all__ = ["AGENCIES", "DOCUMENT_TYPES", "SERVICES"]

AGENCIES: list[dict[str, str]] = [
    {
        "code": "DOPA",
        "name_th": "กรมการปกครอง",
        "name_en": "Department of Provincial Administration",
        "contact_phone": "1548",
        "website": "https://www.dopa.go.th",
    },
    {
        "code": "DLT",
        "name_th": "กรมการขนส่งทางบก",
        "name_en": "Department of Land Transport",
        "contact_phone": "1584",
        "website": "https://www.dlt.go.th",
    },
    {
        "code": "DLA",
        "name_th": "กรมส่งเสริมการปกครองท้องถิ่น",
        "name_en": "Department of Local Administration",
        "contact_phone": "02 241 9000",
        "website": "https://www.dla.go.th",
    },
    {
        "code": "DOAE",
        "name_th": "กรมส่งเสริมการเกษตร",
        "name_en": "Department of Agricultural Extension",
        "contact_phone": "02 579 3801",
        "website": "https://www.doae.go.th",
    },
    {
        "code": "SSO",
        "name_th": "สำนักงานประกันสังคม",
        "name_en": "Social Security Office",
        "contact_phone": "1506",
        "website": "https://www.sso.go.th",
    },
    {
        "code": "NHSO",
        "name_th": "สำนักงานหลักประกันสุขภาพแห่งชาติ",
        "name_en": "National Health Security Office",
        "contact_phone": "1330",
        "website": "https://www.nhso.go.th",
    },
    {
        "code": "DBD",
        "name_th": "กรมพัฒนาธุรกิจการค้า",
        "name_en": "Department of Business Development",
        "contact_phone": "1570",
        "website": "https://www.dbd.go.th",
    },
    {
        "code": "DCA",
        "name_th": "กรมการกงสุล",
        "name_en": "Department of Consular Affairs",
        "contact_phone": "02 572 8442",
        "website": "https://consular.mfa.go.th",
    },
]

DOCUMENT_TYPES: list[dict[str, str]] = [
    {"code": "id_card", "name_th": "สำเนาบัตรประจำตัวประชาชน", "name_en": "Copy of national ID card"},
    {
        "code": "house_registration",
        "name_th": "สำเนาทะเบียนบ้าน",
        "name_en": "Copy of house registration",
    },
    {"code": "photo", "name_th": "รูปถ่ายหน้าตรง", "name_en": "Passport-style photo"},
    {
        "code": "birth_notice",
        "name_th": "หนังสือรับรองการเกิด (ท.ร.1/1)",
        "name_en": "Hospital birth notice (Tor Ror 1/1)",
    },
    {
        "code": "death_notice",
        "name_th": "หนังสือรับรองการตาย (ท.ร.4/1)",
        "name_en": "Medical death notice (Tor Ror 4/1)",
    },
    {
        "code": "driving_licence",
        "name_th": "ใบอนุญาตขับรถฉบับเดิม",
        "name_en": "Current driving licence",
    },
    {"code": "medical_certificate", "name_th": "ใบรับรองแพทย์", "name_en": "Medical certificate"},
    {
        "code": "bank_book",
        "name_th": "สำเนาหน้าสมุดบัญชีเงินฝาก",
        "name_en": "Copy of bank book first page",
    },
    {
        "code": "land_document",
        "name_th": "เอกสารสิทธิ์ที่ดินหรือสัญญาเช่า",
        "name_en": "Land title or lease contract",
    },
    {"code": "police_report", "name_th": "ใบแจ้งความเอกสารหาย", "name_en": "Police report of loss"},
    {
        "code": "employment_end",
        "name_th": "หนังสือรับรองการออกจากงาน",
        "name_en": "Letter confirming end of employment",
    },
    {"code": "disability_card", "name_th": "บัตรประจำตัวคนพิการ", "name_en": "Disability ID card"},
    {
        "code": "premises_consent",
        "name_th": "หนังสือยินยอมให้ใช้สถานที่",
        "name_en": "Consent to use business premises",
    },
    {"code": "passport", "name_th": "หนังสือเดินทางเล่มเดิม", "name_en": "Current passport"},
]


def _t(th: str, en: str) -> dict[str, str]:
    return {"th": th, "en": en}


def _name() -> dict[str, Any]:
    return {
        "name": "full_name",
        "type": "text",
        "label": _t("ชื่อ-นามสกุล", "Full name"),
        "required": True,
        "max_length": 120,
        "prefill": "full_name",
    }


def _national_id() -> dict[str, Any]:
    return {
        "name": "national_id",
        "type": "thai-id",
        "label": _t("เลขประจำตัวประชาชน", "National ID number"),
        "required": True,
        "prefill": "national_id",
    }


def _phone(required: bool = True) -> dict[str, Any]:
    return {
        "name": "phone",
        "type": "phone",
        "label": _t("เบอร์โทรศัพท์", "Phone number"),
        "required": required,
        "prefill": "phone",
    }


def _address(
    name: str = "address", th: str = "ที่อยู่ปัจจุบัน", en: str = "Current address"
) -> dict[str, Any]:
    return {
        "name": name,
        "type": "text",
        "label": _t(th, en),
        "required": True,
        "max_length": 300,
        "prefill": "address" if name == "address" else None,
    }


def _file(name: str, doc: str, th: str, en: str, required: bool = True) -> dict[str, Any]:
    return {
        "name": name,
        "type": "file",
        "label": _t(th, en),
        "required": required,
        "document_type": doc,
    }


def _choice(name: str, th: str, en: str, choices: list[tuple[str, str, str]]) -> dict[str, Any]:
    return {
        "name": name,
        "type": "choice",
        "label": _t(th, en),
        "required": True,
        "choices": [{"value": v, "label": _t(cth, cen)} for v, cth, cen in choices],
    }


def _clean(field: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in field.items() if v is not None}


def _service(**kw: Any) -> dict[str, Any]:
    kw["form"] = [_clean(f) for f in kw["form"]]
    return kw


SERVICES: list[dict[str, Any]] = [
    _service(
        slug="id-card-replacement",
        agency="DOPA",
        name_th="ทำบัตรประจำตัวประชาชนใหม่ กรณีบัตรหาย",
        name_en="Replace a lost national ID card",
        summary_th="ขอมีบัตรใหม่เมื่อบัตรหายหรือถูกทำลาย นัดรับบัตรที่สำนักทะเบียนใกล้บ้าน",
        summary_en="Get a new card when yours is lost or destroyed; collect it at a nearby "
        "registry.",
        description_th="ยื่นคำขอออนไลน์ แล้วไปถ่ายรูปและพิมพ์ลายนิ้วมือที่สำนักทะเบียนอำเภอหรือเขตตามวันนัด",
        description_en="Apply online, then visit the district registry on your appointment day for "
        "the photo and fingerprints.",
        life_events=["identity_documents"],
        required_documents=[],
        fee_satang=10000,
        # A made-up biller ID for the demo: the agency's tax ID and its bank's suffix in life.
        fee_biller_id="099999999999901",
        processing_days=1,
        form=[
            _name(),
            _national_id(),
            _phone(),
            _choice(
                "reason",
                "สาเหตุ",
                "Reason",
                [
                    ("lost", "บัตรหาย", "Lost"),
                    ("destroyed", "บัตรถูกทำลาย", "Destroyed"),
                    ("damaged", "บัตรชำรุด", "Damaged"),
                ],
            ),
            _file("police_report", "police_report", "ใบแจ้งความ", "Police report", False),
            {
                "name": "appointment_date",
                "type": "date",
                "label": _t("วันที่สะดวกไปรับบัตร", "Preferred collection date"),
                "required": True,
                "min": 1,
                "max": 60,
            },
        ],
    ),
    _service(
        slug="house-registration-move",
        agency="DOPA",
        name_th="แจ้งย้ายที่อยู่ (ย้ายออกและย้ายเข้า)",
        name_en="Move house registration",
        summary_th="แจ้งย้ายชื่อออกจากทะเบียนบ้านเดิมและเข้าทะเบียนบ้านใหม่ในครั้งเดียว",
        summary_en="Move your name out of the old house registration and into the new one at once.",
        life_events=["moving_house"],
        required_documents=["house_registration"],
        fee_satang=0,
        processing_days=3,
        form=[
            _name(),
            _national_id(),
            _phone(),
            _address("old_address", "ที่อยู่เดิม", "Old address"),
            _address("new_address", "ที่อยู่ใหม่", "New address"),
            {
                "name": "move_date",
                "type": "date",
                "label": _t("วันที่ย้าย", "Moving date"),
                "required": True,
                "min": -15,
                "max": 30,
            },
            _file(
                "house_owner_consent",
                "house_registration",
                "สำเนาทะเบียนบ้านหลังใหม่ (เจ้าบ้านยินยอม)",
                "New house registration (owner consent)",
            ),
        ],
    ),
    _service(
        slug="birth-registration",
        agency="DOPA",
        name_th="แจ้งเกิด",
        name_en="Register a birth",
        summary_th="แจ้งเกิดภายใน 15 วันหลังคลอด รับสูติบัตรและเพิ่มชื่อเด็กในทะเบียนบ้าน",
        summary_en="Register a birth within 15 days to get the birth certificate and add the child "
        "to the house registration.",
        life_events=["having_a_baby"],
        required_documents=["birth_notice"],
        fee_satang=0,
        processing_days=1,
        form=[
            _name(),
            _national_id(),
            _phone(),
            {
                "name": "child_name",
                "type": "text",
                "label": _t("ชื่อบุตร", "Child's name"),
                "required": True,
                "max_length": 120,
            },
            {
                "name": "birth_date",
                "type": "date",
                "label": _t("วันเกิด", "Date of birth"),
                "required": True,
                "min": -15,
                "max": 0,
            },
            _choice(
                "relationship",
                "ความเกี่ยวข้องกับเด็ก",
                "Relationship to the child",
                [
                    ("mother", "มารดา", "Mother"),
                    ("father", "บิดา", "Father"),
                    ("guardian", "ผู้ปกครอง", "Guardian"),
                ],
            ),
            _file("birth_notice", "birth_notice", "หนังสือรับรองการเกิด", "Hospital birth notice"),
        ],
    ),
    _service(
        slug="death-registration",
        agency="DOPA",
        name_th="แจ้งตาย",
        name_en="Register a death",
        summary_th="แจ้งการตายภายใน 24 ชั่วโมง เพื่อรับมรณบัตรและจำหน่ายชื่อออกจากทะเบียนบ้าน",
        summary_en="Register a death within 24 hours to get the death certificate.",
        life_events=["death_in_family"],
        required_documents=["death_notice"],
        fee_satang=0,
        processing_days=1,
        form=[
            _name(),
            _national_id(),
            _phone(),
            {
                "name": "deceased_id",
                "type": "thai-id",
                "label": _t("เลขประจำตัวประชาชนผู้ตาย", "Deceased's national ID"),
                "required": True,
            },
            {
                "name": "date_of_death",
                "type": "date",
                "label": _t("วันที่เสียชีวิต", "Date of death"),
                "required": True,
                "min": -30,
                "max": 0,
            },
            _file("death_notice", "death_notice", "หนังสือรับรองการตาย", "Medical death notice"),
        ],
    ),
    _service(
        slug="driving-licence-renewal",
        agency="DLT",
        name_th="ต่ออายุใบอนุญาตขับรถ",
        name_en="Renew a driving licence",
        summary_th="ต่ออายุใบขับขี่รถยนต์หรือรถจักรยานยนต์ อบรมออนไลน์แล้วนัดรับบัตรใหม่",
        summary_en="Renew a car or motorcycle licence: online training, then collect the new card.",
        life_events=["driving"],
        required_documents=["medical_certificate"],
        fee_satang=50500,
        processing_days=1,
        form=[
            _name(),
            _national_id(),
            _phone(),
            _choice(
                "licence_class",
                "ประเภทใบอนุญาต",
                "Licence class",
                [
                    ("car", "รถยนต์ส่วนบุคคล", "Private car"),
                    ("motorcycle", "รถจักรยานยนต์ส่วนบุคคล", "Private motorcycle"),
                ],
            ),
            {
                "name": "licence_number",
                "type": "text",
                "label": _t("เลขที่ใบอนุญาตเดิม", "Current licence number"),
                "required": True,
                "min_length": 8,
                "max_length": 12,
            },
            _file(
                "medical_certificate",
                "medical_certificate",
                "ใบรับรองแพทย์ (ไม่เกิน 1 เดือน)",
                "Medical certificate (under 1 month old)",
            ),
        ],
    ),
    _service(
        slug="vehicle-tax",
        agency="DLT",
        name_th="ชำระภาษีรถประจำปี",
        name_en="Pay annual vehicle tax",
        summary_th="ต่อภาษีรถยนต์และรถจักรยานยนต์ที่อายุไม่เกิน 7 ปี รับป้ายวงกลมทางไปรษณีย์",
        summary_en="Pay the yearly tax for cars and motorcycles and receive the tax disc by post.",
        life_events=["driving"],
        required_documents=[],
        fee_satang=64500,
        processing_days=5,
        form=[
            _name(),
            _phone(),
            {
                "name": "plate",
                "type": "text",
                "label": _t("เลขทะเบียนรถ", "Licence plate"),
                "required": True,
                "max_length": 12,
                "identifies": True,
            },
            {
                "name": "province",
                "type": "text",
                "label": _t("จังหวัดของทะเบียน", "Plate province"),
                "required": True,
                "max_length": 40,
            },
            _address("delivery_address", "ที่อยู่จัดส่งป้ายภาษี", "Delivery address for the disc"),
        ],
    ),
    _service(
        slug="elderly-allowance",
        agency="DLA",
        name_th="ลงทะเบียนรับเบี้ยยังชีพผู้สูงอายุ",
        name_en="Register for the elderly allowance",
        summary_th="ผู้มีอายุ 60 ปีขึ้นไป ลงทะเบียนรับเบี้ยยังชีพรายเดือน 600–1,000 บาท",
        summary_en="People aged 60 or over register for the monthly allowance of 600–1,000 baht.",
        life_events=["growing_older"],
        required_documents=[],
        fee_satang=0,
        processing_days=30,
        form=[
            _name(),
            _national_id(),
            _phone(False),
            _address(),
            {
                "name": "birth_date",
                "type": "date",
                "label": _t("วันเกิด", "Date of birth"),
                "required": True,
                "min_age": 60,
            },
            _choice(
                "payment",
                "ช่องทางรับเงิน",
                "How to receive the money",
                [
                    ("bank", "โอนเข้าบัญชีธนาคาร", "Bank transfer"),
                    ("cash", "รับเงินสด", "Cash at the local office"),
                ],
            ),
            _file("bank_book", "bank_book", "สำเนาหน้าสมุดบัญชี", "Bank book first page", False),
        ],
    ),
    _service(
        slug="disability-allowance",
        agency="DLA",
        name_th="ลงทะเบียนรับเบี้ยความพิการ",
        name_en="Register for the disability allowance",
        summary_th="คนพิการที่มีบัตรประจำตัวคนพิการ ลงทะเบียนรับเบี้ยความพิการรายเดือน",
        summary_en="Holders of a disability card register for the monthly disability allowance.",
        life_events=["disability"],
        required_documents=["disability_card", "bank_book"],
        fee_satang=0,
        processing_days=30,
        form=[
            _name(),
            _national_id(),
            _phone(False),
            _address(),
            _file("disability_card", "disability_card", "บัตรประจำตัวคนพิการ", "Disability card"),
            _file("bank_book", "bank_book", "สำเนาหน้าสมุดบัญชี", "Bank book first page"),
        ],
    ),
    _service(
        slug="farmer-registration",
        agency="DOAE",
        name_th="ขึ้นทะเบียนเกษตรกร",
        name_en="Register as a farmer",
        summary_th="ขึ้นทะเบียนหรือปรับปรุงข้อมูลการปลูกพืช เพื่อรับสิทธิ์ความช่วยเหลือจากรัฐ",
        summary_en="Register or update what you grow to receive government support.",
        life_events=["farming"],
        required_documents=["land_document"],
        fee_satang=0,
        processing_days=15,
        form=[
            _name(),
            _national_id(),
            _phone(),
            _address(),
            _choice(
                "crop",
                "พืชหลัก",
                "Main crop",
                [
                    ("rice", "ข้าว", "Rice"),
                    ("cassava", "มันสำปะหลัง", "Cassava"),
                    ("sugarcane", "อ้อย", "Sugar cane"),
                    ("rubber", "ยางพารา", "Rubber"),
                    ("maize", "ข้าวโพดเลี้ยงสัตว์", "Feed maize"),
                ],
            ),
            {
                "name": "area_rai",
                "type": "number",
                "label": _t("พื้นที่เพาะปลูก (ไร่)", "Planted area (rai)"),
                "required": True,
                "min": 0.25,
                "max": 5000,
            },
            _file("land_document", "land_document", "เอกสารสิทธิ์ที่ดิน", "Land document"),
        ],
    ),
    _service(
        slug="crop-disaster-aid",
        agency="DOAE",
        name_th="ขอรับความช่วยเหลือผู้ประสบภัยพิบัติด้านพืช",
        name_en="Claim crop disaster aid",
        summary_th="เกษตรกรที่พืชผลเสียหายจากน้ำท่วม ภัยแล้ง หรือศัตรูพืช ยื่นขอรับเงินช่วยเหลือ",
        summary_en="Farmers whose crops were lost to flood, drought or pests claim compensation.",
        life_events=["farming"],
        required_documents=["bank_book"],
        fee_satang=0,
        processing_days=45,
        form=[
            _name(),
            _national_id(),
            _phone(),
            _choice(
                "disaster",
                "ประเภทภัย",
                "Kind of disaster",
                [
                    ("flood", "อุทกภัย", "Flood"),
                    ("drought", "ภัยแล้ง", "Drought"),
                    ("pests", "ศัตรูพืชระบาด", "Pest outbreak"),
                ],
            ),
            {
                "name": "damaged_rai",
                "type": "number",
                "label": _t("พื้นที่เสียหาย (ไร่)", "Damaged area (rai)"),
                "required": True,
                "min": 0.25,
                "max": 5000,
            },
            {
                "name": "damage_date",
                "type": "date",
                "label": _t("วันที่เกิดภัย", "Date of disaster"),
                "required": True,
                "min": -90,
                "max": 0,
            },
            _file("bank_book", "bank_book", "สำเนาหน้าสมุดบัญชี", "Bank book first page"),
        ],
    ),
    _service(
        slug="unemployment-benefit",
        agency="SSO",
        name_th="ขอรับประโยชน์ทดแทนกรณีว่างงาน",
        name_en="Claim unemployment benefit",
        summary_th="ผู้ประกันตนมาตรา 33 ที่ว่างงาน รับเงินทดแทนระหว่างหางานใหม่",
        summary_en="Insured employees (section 33) who lost their job receive benefit while "
        "looking "
        "for work.",
        life_events=["work_and_jobs"],
        required_documents=["employment_end", "bank_book"],
        fee_satang=0,
        processing_days=14,
        form=[
            _name(),
            _national_id(),
            _phone(),
            _choice(
                "cause",
                "สาเหตุการว่างงาน",
                "Why the job ended",
                [
                    ("laid_off", "ถูกเลิกจ้าง", "Laid off"),
                    ("resigned", "ลาออก", "Resigned"),
                    ("contract_end", "สิ้นสุดสัญญาจ้าง", "Contract ended"),
                ],
            ),
            {
                "name": "last_day",
                "type": "date",
                "label": _t("วันทำงานวันสุดท้าย", "Last working day"),
                "required": True,
                "min": -30,
                "max": 0,
            },
            {
                "name": "last_salary",
                "type": "number",
                "label": _t("ค่าจ้างเดือนสุดท้าย (บาท)", "Last monthly wage (baht)"),
                "required": True,
                "min": 0,
                "max": 1000000,
            },
            _file(
                "employment_end",
                "employment_end",
                "หนังสือรับรองการออกจากงาน",
                "Letter confirming end of employment",
            ),
            _file("bank_book", "bank_book", "สำเนาหน้าสมุดบัญชี", "Bank book first page"),
        ],
    ),
    _service(
        slug="maternity-benefit",
        agency="SSO",
        name_th="ขอรับประโยชน์ทดแทนกรณีคลอดบุตร",
        name_en="Claim maternity benefit",
        summary_th="ผู้ประกันตนรับค่าคลอดบุตรเหมาจ่ายและเงินสงเคราะห์การหยุดงาน",
        summary_en="Insured people receive a lump sum for childbirth and pay for maternity leave.",
        life_events=["having_a_baby", "work_and_jobs"],
        required_documents=["birth_notice", "bank_book"],
        fee_satang=0,
        processing_days=10,
        form=[
            _name(),
            _national_id(),
            _phone(),
            {
                "name": "birth_date",
                "type": "date",
                "label": _t("วันที่คลอด", "Date of birth"),
                "required": True,
                "min": -365,
                "max": 0,
            },
            _file("birth_notice", "birth_notice", "หนังสือรับรองการเกิด", "Birth notice"),
            _file("bank_book", "bank_book", "สำเนาหน้าสมุดบัญชี", "Bank book first page"),
        ],
    ),
    _service(
        slug="section-40-enrolment",
        agency="SSO",
        name_th="สมัครผู้ประกันตนมาตรา 40",
        name_en="Join social security (section 40)",
        summary_th="แรงงานนอกระบบ เกษตรกร และผู้ประกอบอาชีพอิสระ สมัครรับความคุ้มครองประกันสังคม",
        summary_en="Informal workers, farmers and the self-employed join social security.",
        life_events=["work_and_jobs", "farming"],
        required_documents=[],
        fee_satang=0,
        processing_days=7,
        form=[
            _name(),
            _national_id(),
            _phone(),
            _address(),
            _choice(
                "plan",
                "ทางเลือกการจ่ายเงินสมทบ",
                "Contribution plan",
                [
                    ("1", "ทางเลือกที่ 1 (70 บาท/เดือน)", "Option 1 (70 baht/month)"),
                    ("2", "ทางเลือกที่ 2 (100 บาท/เดือน)", "Option 2 (100 baht/month)"),
                    ("3", "ทางเลือกที่ 3 (300 บาท/เดือน)", "Option 3 (300 baht/month)"),
                ],
            ),
            {
                "name": "occupation",
                "type": "text",
                "label": _t("อาชีพ", "Occupation"),
                "required": True,
                "max_length": 80,
            },
        ],
    ),
    _service(
        slug="change-health-unit",
        agency="NHSO",
        name_th="เปลี่ยนหน่วยบริการสิทธิบัตรทอง",
        name_en="Change your gold-card health unit",
        summary_th="ย้ายโรงพยาบาลหรือคลินิกประจำตามสิทธิหลักประกันสุขภาพ เมื่อย้ายที่อยู่หรือที่ทำงาน",
        summary_en="Move your universal-coverage registration to a hospital or clinic near where "
        "you now live or work.",
        life_events=["health", "moving_house"],
        required_documents=[],
        fee_satang=0,
        processing_days=1,
        form=[
            _name(),
            _national_id(),
            _phone(),
            {
                "name": "new_unit",
                "type": "text",
                "label": _t("หน่วยบริการที่ต้องการ", "Preferred health unit"),
                "required": True,
                "max_length": 120,
            },
            _choice(
                "reason",
                "เหตุผล",
                "Reason",
                [
                    ("moved", "ย้ายที่อยู่", "Moved house"),
                    ("work", "ย้ายที่ทำงาน", "Changed workplace"),
                    ("other", "อื่น ๆ", "Other"),
                ],
            ),
        ],
    ),
    _service(
        slug="sole-proprietor-registration",
        agency="DBD",
        name_th="จดทะเบียนพาณิชย์ (บุคคลธรรมดา)",
        name_en="Register a sole proprietorship",
        summary_th="จดทะเบียนร้านค้าหรือกิจการของบุคคลธรรมดา เพื่อเปิดบัญชีและขอสินเชื่อ",
        summary_en="Register a shop or small business owned by one person.",
        life_events=["starting_a_business"],
        required_documents=["premises_consent"],
        fee_satang=5000,
        processing_days=3,
        form=[
            _name(),
            _national_id(),
            _phone(),
            {
                "name": "business_name",
                "type": "text",
                "label": _t("ชื่อร้าน/กิจการ", "Business name"),
                "required": True,
                "max_length": 120,
            },
            {
                "name": "business_type",
                "type": "text",
                "label": _t("ประเภทกิจการ", "Type of business"),
                "required": True,
                "max_length": 120,
            },
            {
                "name": "capital",
                "type": "number",
                "label": _t("เงินทุน (บาท)", "Capital (baht)"),
                "required": True,
                "min": 0,
                "max": 100000000,
            },
            _file(
                "premises_consent",
                "premises_consent",
                "หนังสือยินยอมให้ใช้สถานที่",
                "Consent to use the premises",
            ),
        ],
    ),
    _service(
        slug="passport-appointment",
        agency="DCA",
        name_th="นัดหมายทำหนังสือเดินทาง",
        name_en="Book a passport appointment",
        summary_th="จองคิวทำหนังสือเดินทางที่สำนักงานหนังสือเดินทางใกล้บ้าน",
        summary_en="Book a slot at a passport office near you.",
        life_events=["travel_abroad", "identity_documents"],
        required_documents=[],
        fee_satang=100000,
        processing_days=3,
        form=[
            _name(),
            _national_id(),
            _phone(),
            _choice(
                "office",
                "สำนักงานที่ต้องการ",
                "Passport office",
                [
                    ("bangkok", "กรุงเทพฯ (แจ้งวัฒนะ)", "Bangkok (Chaeng Watthana)"),
                    ("khon_kaen", "ขอนแก่น", "Khon Kaen"),
                    ("chiang_mai", "เชียงใหม่", "Chiang Mai"),
                    ("songkhla", "สงขลา", "Songkhla"),
                ],
            ),
            {
                "name": "appointment_date",
                "type": "date",
                "label": _t("วันที่ต้องการ", "Preferred date"),
                "required": True,
                "min": 1,
                "max": 90,
            },
        ],
    ),
    _service(
        slug="passport-renewal",
        agency="DCA",
        name_th="ต่ออายุหนังสือเดินทาง",
        name_en="Renew a passport",
        summary_th="ขอหนังสือเดินทางเล่มใหม่เมื่อเล่มเดิมใกล้หมดอายุ ส่งทางไปรษณีย์ได้",
        summary_en="Get a new passport when yours is about to expire; delivery by post available.",
        life_events=["travel_abroad"],
        required_documents=["passport"],
        fee_satang=100000,
        processing_days=5,
        form=[
            _name(),
            _national_id(),
            _phone(),
            {
                "name": "passport_number",
                "type": "text",
                "label": _t("เลขหนังสือเดินทางเดิม", "Current passport number"),
                "required": True,
                "min_length": 8,
                "max_length": 9,
            },
            _choice(
                "validity",
                "อายุหนังสือเดินทาง",
                "Validity",
                [("5", "5 ปี", "5 years"), ("10", "10 ปี", "10 years")],
            ),
            _file("passport", "passport", "หน้าข้อมูลหนังสือเดินทางเดิม", "Current passport data page"),
        ],
    ),
    _service(
        slug="elderly-health-screening",
        agency="NHSO",
        name_th="ลงทะเบียนตรวจสุขภาพผู้สูงอายุ",
        name_en="Book a health check for older people",
        summary_th="ผู้มีอายุ 60 ปีขึ้นไป ลงทะเบียนตรวจคัดกรองสุขภาพฟรีที่หน่วยบริการประจำ",
        summary_en="People aged 60 and over book a free health screening at their health unit.",
        life_events=["growing_older", "health"],
        required_documents=[],
        fee_satang=0,
        processing_days=7,
        form=[
            _name(),
            _national_id(),
            _phone(False),
            {
                "name": "preferred_date",
                "type": "date",
                "label": _t("วันที่สะดวก", "Preferred date"),
                "required": True,
                "min": 1,
                "max": 60,
            },
        ],
    ),
]
