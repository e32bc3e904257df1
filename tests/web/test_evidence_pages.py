"""The corrective action's evidence on the page: control numbers typed, links shown (11.2)."""

import re

from tests import factories
from tests.nonconformities.test_evidence_links import _planned_action


def test_the_page_takes_numbers_and_shows_links(browser, park):
    document, _ = factories.publish_new_document(park)
    nc_id, action_id = _planned_action(park)
    approver = browser(park, "approver")
    page = approver.get(f"/nonconformities/{nc_id}").text
    assert f'id="evn-{action_id}"' in page
    refused = approver.post(
        f"/actions/{action_id}/done",
        {"evidence": "已完成", "evidence_numbers": "XX-404"},
        page=f"/nonconformities/{nc_id}",
    )
    assert refused.status_code == 422 and "XX-404" in refused.text
    done = approver.post(
        f"/actions/{action_id}/done",
        {"evidence": "方针已修订", "evidence_numbers": f"{document['control_no']}，{document['control_no']}@1"},
        page=f"/nonconformities/{nc_id}",
    )
    assert done.status_code == 303, done.text[:400]
    page = approver.get(f"/nonconformities/{nc_id}").text
    number = re.escape(document["control_no"])
    assert re.search(
        rf'<a href="/documents/{document["id"]}#rev-\d+"><span class="cn">{number}</span> 第 1 版</a>', page
    )
    assert re.search(rf'<a href="/documents/{document["id"]}"><span class="cn">{number}</span></a>', page)
