import pytest

from gospubliki.registry.links import BadLink, normalize_ok, normalize_tg, normalize_vk


@pytest.mark.parametrize(
    "link, key",
    [
        ("vk.com/club123", "vk:123"),
        ("https://vk.com/club123", "vk:123"),
        ("https://vk.ru/public123/", "vk:123"),
        ("http://m.vk.com/public123?w=wall-123_45", "vk:123"),
        ("vk.com/event77#info", "vk:77"),
        ("https://vk.com/Gorod_Kirov", "vk:gorod_kirov"),
        ("m.vk.ru/gorod_kirov/", "vk:gorod_kirov"),
        ("vk.com/gorod_kirov?from=groups&ref=1", "vk:gorod_kirov"),
        ("  gorod_kirov  ", "vk:gorod_kirov"),
        ("www.vk.com/school.1.kirov", "vk:school.1.kirov"),
    ],
)
def test_vk_spellings_of_one_page_share_a_key(link, key):
    assert normalize_vk(link).key == key


def test_vk_ref_is_what_the_api_accepts():
    assert normalize_vk("vk.com/public42").ref == "42"
    assert normalize_vk("vk.com/Kirov_Adm").ref == "kirov_adm"


@pytest.mark.parametrize(
    "link, reason",
    [
        ("", "empty"),
        ("vk.com/", "no page"),
        ("vk.com/id12345", "personal profile"),
        ("https://example.com/club1", "not a VK link"),
        ("vk.com/wall-1_2", "not a VK community"),
        ("vk.com/club0", "positive"),
        ("vk com/club1", "spaces"),
        ("vk.com/12345", "not a VK community"),
    ],
)
def test_bad_vk_links_are_rejected_with_a_reason(link, reason):
    with pytest.raises(BadLink, match=reason):
        normalize_vk(link)


@pytest.mark.parametrize(
    "link, key",
    [
        ("ok.ru/group/57123456789012", "ok:57123456789012"),
        ("https://m.ok.ru/group57123456789012/topics", "ok:57123456789012"),
        ("https://ok.ru/kirovadm/", "ok:kirovadm"),
        ("ok.ru/KirovAdm?utm=1", "ok:kirovadm"),
    ],
)
def test_ok_links(link, key):
    assert normalize_ok(link).key == key


@pytest.mark.parametrize("link", ["ok.ru/profile/5712", "ok.ru/", "https://vk.com/group/1"])
def test_bad_ok_links(link):
    with pytest.raises(BadLink):
        normalize_ok(link)


@pytest.mark.parametrize(
    "link, key",
    [
        ("https://t.me/Kirov_News", "tg:kirov_news"),
        ("t.me/s/kirov_news", "tg:kirov_news"),
        ("@kirov_news", "tg:kirov_news"),
        ("telegram.me/kirov_news/", "tg:kirov_news"),
        ("https://t.me/kirov_news/123", "tg:kirov_news"),
    ],
)
def test_telegram_links(link, key):
    assert normalize_tg(link).key == key


@pytest.mark.parametrize("link", ["t.me/joinchat/AAAA", "t.me/+AbCdEf", "t.me/ab", "https://vk.com/kirov"])
def test_bad_telegram_links(link):
    with pytest.raises(BadLink):
        normalize_tg(link)
