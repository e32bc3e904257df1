"""The document page's distribution: the coordinator's list form, the "阅读并确认" button, who confirmed which
revision and who has not, the task, CSRF; the comparison form."""

import re

from tests.factories import publish_new_document


def _row(html: str, username: str) -> str:
    match = re.search(rf'<tr data-user="{username}">.*?</tr>', html, re.S)
    assert match, f"no row for {username}"
    return match.group(0)


def test_distribute_and_confirm_through_the_page(browser, park) -> None:
    document, revision = publish_new_document(park)
    page_url = f"/documents/{document['id']}"
    coordinator = browser(park, "coordinator")
    form = coordinator.get(page_url).text
    assert 'data-action="distribute"' in form and "受控分发与宣贯" in form
    saved = coordinator.post(
        f"{page_url}/distribution",
        {"roles": ["auditor"], "users": [str(park.user_ids["approver"])]},
        page=page_url,
    )
    assert saved.status_code == 303, saved.text
    shown = coordinator.get(saved.headers["location"]).text
    assert "分发范围已保存" in shown
    assert 'data-entry="role:auditor"' in shown and f'data-entry="user:{park.user_ids["approver"]}"' in shown
    assert "未确认" in _row(shown, park.usernames["auditor"]) and 'data-action="read-confirm"' not in shown

    auditor = browser(park, "auditor")
    assert "待阅读并确认的文件" in auditor.get("/tasks").text
    mine = auditor.get(page_url).text
    assert 'data-action="read-confirm"' in mine and f'name="revision_id" value="{revision["id"]}"' in mine
    no_token = auditor.client.post(f"{page_url}/distribution/confirm", data={"revision_id": revision["id"]})
    assert no_token.status_code == 403 and "CSRF" in no_token.text
    done = auditor.post(f"{page_url}/distribution/confirm", {"revision_id": revision["id"]}, page=page_url)
    assert done.status_code == 303, done.text
    after = auditor.get(done.headers["location"]).text
    assert "已确认阅读" in after and 'data-action="read-confirm"' not in after
    assert "✓ 已确认" in _row(after, park.usernames["auditor"])
    assert "○ 未确认" in _row(after, park.usernames["approver"])
    assert "待阅读并确认的文件" not in auditor.get("/tasks").text

    refused = browser(park, "approver").post(f"{page_url}/distribution", {"roles": ["admin"]}, page=page_url)
    assert refused.status_code == 403
    english = browser(park, "auditor", lang="en").get(page_url).text
    assert "Distribution and read confirmation" in english and "Confirmed" in english
