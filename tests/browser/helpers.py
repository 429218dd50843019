"""What the browser tests do the same way every time: log in, run axe-core, describe violations."""
from __future__ import annotations

from tests.builders import PASSWORD

BLOCKING_IMPACTS = ("serious", "critical")


def log_in(page, email: str, password: str = PASSWORD, *, tap: bool = False) -> None:
    """Log in through the real form, as a person would (a tap on touch screens)."""
    page.goto("/auth/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    button = page.get_by_role("button", name="Log in", exact=True)
    with page.expect_navigation():
        button.tap() if tap else button.click()
    assert "/auth/login" not in page.url, f"login as {email} failed: {page.locator('main').inner_text()}"


def run_axe(page, axe_source: str) -> list[dict]:
    """Inject axe-core into the page and return its violations (every impact)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)  # not as a <script> tag: the pages' CSP refuses inline scripts
    result = page.evaluate("""async () => {
        const results = await axe.run(document, {resultTypes: ['violations']});
        return results.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary})),
        }));
    }""")
    return result


def blocking(violations: list[dict]) -> list[dict]:
    """The violations that fail a page: impact serious or critical."""
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]


def describe(violations: list[dict]) -> str:
    """Violations as readable lines: id, impact, help, and each offending element."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            lines.append(f"    target {node['target']}: {node['html'][:160]}")
    return "\n".join(lines)
