"""Russian names of generated institutions, their screen names and post texts (rubrics from the
presentation, ``shared/domain.md``). Data only, plus tiny helpers to pick from it."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data")


@cache
def federal_bodies() -> tuple[tuple[str, str], ...]:
    """(name, VK screen name) of federal ministries, services and agencies (``data/federal_bodies.csv``)."""
    return _pairs(DATA / "federal_bodies.csv")


@cache
def regional_bodies() -> tuple[tuple[str, str], ...]:
    """(name without the region, screen-name prefix) of regional bodies (``data/regional_bodies.csv``)."""
    return _pairs(DATA / "regional_bodies.csv")


def _pairs(path: Path) -> tuple[tuple[str, str], ...]:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return tuple((a, b) for a, b in rows[1:])


KINDERGARTEN_NICKS = (
    "Солнышко",
    "Колокольчик",
    "Радуга",
    "Теремок",
    "Ромашка",
    "Сказка",
    "Берёзка",
    "Ласточка",
    "Светлячок",
    "Улыбка",
    "Алёнушка",
    "Золотой ключик",
    "Родничок",
    "Капелька",
    "Звёздочка",
)

# sector -> level -> (name template, screen-name prefix); {k} number, {g} genitive of the place,
# {nick} a kindergarten nickname
INSTITUTION_TEMPLATES: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "school": {
        "municipal": (
            ("МБОУ «Средняя школа № {k}» {g}", "school"),
            ("МКОУ «Основная школа № {k}» {g}", "oosh"),
        ),
        "regional": (("ГОБУ «Лицей № {k}» {g}", "licey"), ("ГОБУ «Школа-интернат № {k}» {g}", "internat")),
    },
    "hospital": {
        "municipal": (("МБУЗ «Поликлиника № {k}» {g}", "poliklinika"),),
        "regional": (
            ("ГБУЗ «Центральная районная больница № {k}» {g}", "crb"),
            ("ГБУЗ «Городская поликлиника № {k}» {g}", "gp"),
            ("ГБУЗ «Стоматологическая поликлиника № {k}» {g}", "stomat"),
        ),
    },
    "kindergarten": {
        "municipal": (("МКДОУ «Детский сад № {k} «{nick}»» {g}", "ds"),),
        "regional": (("ГДОУ «Детский сад компенсирующего вида № {k}» {g}", "gdou"),),
    },
    "culture": {
        "municipal": (
            ("МБУК «Дом культуры № {k}» {g}", "dk"),
            ("МБУК «Библиотека № {k}» {g}", "biblio"),
            ("МБУ ДО «Детская школа искусств № {k}» {g}", "dshi"),
            ("МБУК «Краеведческий музей № {k}» {g}", "muzey"),
        ),
        "regional": (
            ("ГБУК «Драматический театр № {k}» {g}", "teatr"),
            ("ГБУК «Научная библиотека № {k}» {g}", "library"),
            ("ГАУК «Филармония № {k}» {g}", "filarmonia"),
            ("ГБУК «Художественный музей № {k}» {g}", "artmuseum"),
        ),
    },
    "sport": {
        "municipal": (
            ("МБУ ДО «Спортивная школа № {k}» {g}", "sport"),
            ("МАУ «Физкультурно-оздоровительный комплекс № {k}» {g}", "fok"),
        ),
        "regional": (
            ("ГАУ «Спортивная школа олимпийского резерва № {k}» {g}", "sshor"),
            ("ГАУ «Центр спортивной подготовки № {k}» {g}", "csp"),
        ),
    },
    "other": {
        "municipal": (
            ("МФЦ № {k} {g}", "mfc"),
            ("МУП «Жилищно-коммунальное хозяйство № {k}» {g}", "gkh"),
            ("МКУ «Единая дежурно-диспетчерская служба № {k}» {g}", "edds"),
        ),
        "regional": (
            ("ГКУ «Управление социальной защиты населения № {k}» {g}", "uszn"),
            ("ГКУ «Центр занятости населения № {k}» {g}", "czn"),
            ("ГБУ «Комплексный центр социального обслуживания № {k}» {g}", "kcson"),
        ),
    },
}

EXEMPTION_REASONS = (
    "официальная страница не ведётся на основании приказа учредителя о реорганизации учреждения",
    "официальная страница не ведётся на основании решения о ликвидации учреждения",
    "официальная страница не ведётся на основании ведения страницы учредителем",
)

RUBRICS: dict[str, tuple[str, ...]] = {
    "federal": (
        "Новости ведомства",
        "Повестка министра",
        "Мнение эксперта",
        "Позитивные изменения и результаты",
        "Анонс мероприятия",
        "Прямой эфир",
        "Конкурс",
        "Интересные факты",
    ),
    "regional": (
        "Новости региона",
        "Итоги совещания",
        "Национальные проекты",
        "Ремонт дорог",
        "Прямая линия",
        "Анонс мероприятия",
        "Меры поддержки",
        "Опрос жителей",
    ),
    "local": (
        "Новости администрации",
        "Глава муниципалитета",
        "Было — стало: благоустройство",
        "Дайджест недели",
        "Оперативная сводка",
        "Повод для гордости",
        "Анонс",
        "Прогноз погоды",
        "Опрос",
    ),
    "school": (
        "Новости школы",
        "Новости образования",
        "Советы учителей",
        "Конкурсы",
        "Анонс мероприятия",
        "Интересные факты",
        "День в истории",
        "Творчество учеников",
    ),
    "hospital": (
        "Новости",
        "Анонс",
        "О наших врачах",
        "Советы врачей",
        "Новости отрасли",
        "Разговор со специалистом",
        "Прямой эфир",
        "Этот день в здравоохранении",
    ),
    "kindergarten": (
        "Новости сада",
        "Советы воспитателей",
        "Акция с родителями",
        "Фото с праздника",
        "Онлайн-занятие",
        "Конкурс рисунков",
        "Анонс",
    ),
    "culture": (
        "Анонс концерта",
        "Премьера спектакля",
        "Фестиваль",
        "Выставка",
        "Наши артисты",
        "Фото и видео выступления",
        "Конкурс",
        "Отчёт о мероприятии",
    ),
    "sport": (
        "Новости",
        "Анонс соревнований",
        "Поздравляем с победой",
        "Советы тренера",
        "Фото с тренировки",
        "Спортивные факты",
    ),
    "other": (
        "Новости учреждения",
        "Важная информация",
        "Меры поддержки",
        "График приёма",
        "Ответы на вопросы",
        "Анонс",
    ),
}
POST_DETAILS = (
    "Подробности — в карточках.",
    "Фото — в альбоме сообщества.",
    "Ждём всех!",
    "Спасибо всем участникам!",
    "Делитесь мнением в комментариях.",
    "Следите за новостями.",
    "Запись по телефону и на Госуслугах.",
    "Расскажите друзьям.",
)

ACTIVITY_BY_SECTOR = {
    "federal": "Государственная организация",
    "regional": "Государственная организация",
    "local": "Органы власти",
    "school": "Образование",
    "hospital": "Медицина",
    "kindergarten": "Образование",
    "culture": "Культура",
    "sport": "Спорт",
    "other": "Государственная организация",
}


def post_text(sector: str, u_rubric: float, u_detail: float) -> str:
    """A short post text from the sector's rubrics."""
    rubrics = RUBRICS[sector]
    return f"{rubrics[int(u_rubric * len(rubrics))]}. {POST_DETAILS[int(u_detail * len(POST_DETAILS))]}"
