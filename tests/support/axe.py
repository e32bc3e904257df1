"""The automated WCAG 2 A/AA check of every page the browser test visits: axe-core, vendored (no network).

`install(context)` makes axe present in every page of a browser context; `check(page)` runs it on the page as it is
and fails with each violation listed (rule, impact, help, the offending elements), so a fix is one read away.
"""

from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parents[1] / "web" / "vendor" / "axe.min.js"

# WCAG 2.0, 2.1 and 2.2, levels A and AA: the tags axe gives those rules.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '), summary: n.failureSummary || ''})),
  }));
}"""


def install(context: Any) -> None:
    """Every page opened in `context` carries axe (an init script runs before the page's own scripts)."""
    context.add_init_script(path=str(AXE_JS))


def violations(page: Any) -> list[dict[str, Any]]:
    page.wait_for_load_state()
    if not page.evaluate("typeof window.axe !== 'undefined'"):  # a page made without navigation (set_content)
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(RUN, WCAG_TAGS)


def describe(found: list[dict[str, Any]]) -> str:
    lines = []
    for item in found:
        lines.append(f"- {item['id']} ({item['impact']}): {item['help']}")
        lines += [f"    {node['target']}: {node['summary']}".replace("\n", " ") for node in item["nodes"]]
    return "\n".join(lines)


def check(page: Any) -> None:
    """Fail with the list of WCAG 2 A/AA violations of the page now shown (none is allowed)."""
    found = violations(page)
    assert not found, f"WCAG 2 A/AA violations on {page.url}:\n{describe(found)}"
