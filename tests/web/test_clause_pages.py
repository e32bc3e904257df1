"""The clause page shows the requirement in the standard's order, editorial notes and each link's basis; chapter 4's
principles appear on their pages and the dashboard with the clauses that carry them out."""


def _positions(text: str, phrases: list[str]) -> list[int]:
    found = [text.find(phrase) for phrase in phrases]
    assert -1 not in found, [p for p, at in zip(phrases, found, strict=True) if at == -1]
    return found


def test_clause_page_shows_the_text_in_order_with_notes_and_bases(browser, park) -> None:
    coordinator = browser(park, "coordinator")
    page = coordinator.get("/clauses/7.1").text
    first, list1, second, list2, third, fourth, list3 = _positions(
        page,
        [
            "制定碳排放管理目标，目标可包括：",
            "满足碳排放法律法规及相关标准的要求；",
            "碳排放管理指标可包括:",
            "重点设备设施的碳排放量或能源使用效率;",
            "适时调整碳排放管理目标和指标",
            "在制定碳排放管理目标和指标时",
            "碳减排量及碳排放强度;",
        ],
    )
    assert first < list1 < second < list2 < third < fourth < list3
    assert page.count('<ol class="lettered">') == 3

    scope = coordinator.get("/clauses/5.3").text
    f_item, sub, closing = _positions(
        scope, ["考虑产业园区实施控制与施加影响", "对于外包过程和活动", "范围和边界应作为文件化信息予以保持"]
    )
    assert f_item < sub < closing and 'class="sub-items"' in scope and "-)" not in scope
    assert "条文要求保持" in scope  # CMS_SCOPE_BOUNDARY: 予以保持

    nonconformity = coordinator.get("/clauses/11.2").text
    assert "并对这" in nonconformity and 'class="editorial-note"' in nonconformity and "编者注" in nonconformity
    training = coordinator.get("/clauses/8.2").text
    assert "建议措施，不计入覆盖率" in training and "附录 A 列明" in training
    english = browser(park, "coordinator", lang="en").get("/clauses/10.3").text
    assert "外部 and 内部因素" in english and "Editorial note" in english and "read “外部和内部因素”" in english


def test_principles_on_their_pages_and_the_dashboard(browser, park) -> None:
    coordinator = browser(park, "coordinator")
    principle = coordinator.get("/clauses/4.1").text
    assert "基本原则" in principle and "不计入覆盖率" in principle
    assert 'href="/clauses/10.2"' in principle and "内部审核" in principle
    dashboard = coordinator.get("/").text
    assert "基本原则（第 4 章）" in dashboard
    for clause_id in ("4.1", "4.2", "4.3", "4.4", "4.5"):
        assert f'data-principle="{clause_id}"' in dashboard
    assert 'href="/clauses/7.3.2" title="碳排放管理评审"' in dashboard
