"""The words of the document page's distribution (受控分发、宣贯) and of comparing two revisions.

Kept beside app/web/i18n.py (which merges this table into TEXT) so the streams that add words do not collide.
"""

DISTRIBUTION_TEXT: dict[str, tuple[str, str]] = {
    "dist.title": ("受控分发与宣贯", "Distribution and read confirmation"),
    "dist.hint": (
        "现行版本分发给下列人员、角色和企业；每人点击“阅读并确认”即留下记录（时间和版本，非电子签名）。"
        "新版本生效时自动重新分发给同一范围。",
        "The effective revision goes to the people, roles and enterprises below; each confirms with one click "
        "(time and revision kept; not an electronic signature). A new effective revision goes to the same list.",
    ),
    "dist.entries": ("分发范围", "Distribution list"),
    "dist.no_entries": ("尚未设置分发范围。", "No distribution list yet."),
    "dist.reaches": ("涉及 {n} 人", "reaches {n}"),
    "dist.set": ("设置分发范围", "Set the distribution list"),
    "dist.users": ("人员", "People"),
    "dist.roles": ("角色", "Roles"),
    "dist.enterprises": ("入园企业（仅能阅读此文件的企业填报人员）", "Enterprises (contributors who may read it)"),
    "dist.save": ("保存并分发", "Save and distribute"),
    "dist.confirm_title": ("阅读并确认", "Read and confirm"),
    "dist.confirm_hint": (
        "此文件的现行版本（第 {n} 版）已分发给您。阅读后请确认。",
        "The effective revision (revision {n}) of this document was distributed to you. Confirm once you have read it.",
    ),
    "dist.confirm": ("我已阅读并确认", "I have read it"),
    "dist.revision": ("第 {n} 版", "Revision {n}"),
    "dist.counts": ("已确认 {done} 人，未确认 {pending} 人", "{done} confirmed, {pending} not yet"),
    "dist.person": ("姓名", "Name"),
    "dist.unit": ("部门", "Unit"),
    "dist.role": ("角色", "Role"),
    "dist.distributed_at": ("分发时间", "Distributed"),
    "dist.confirmed_at": ("确认时间", "Confirmed"),
    "dist.status": ("确认情况", "Status"),
    "dist.confirmed": ("已确认", "Confirmed"),
    "dist.pending": ("未确认", "Not yet"),
    "dist.none_yet": ("还没有分发过任何版本。", "No revision has been distributed yet."),
    "dist.export": ("导出确认情况（.xlsx）", "Export confirmations (.xlsx)"),
    "flash.distributed": (
        "分发范围已保存，现行版本已分发。",
        "The list is saved and the effective revision distributed.",
    ),
    "flash.read_confirmed": ("已确认阅读。", "Reading confirmed."),
    "cmp.title": ("版本比较", "Compare revisions"),
    "cmp.from": ("原版本", "From revision"),
    "cmp.to": ("新版本", "To revision"),
    "cmp.go": ("比较", "Compare"),
    "cmp.heading": ("第 {a} 版与第 {b} 版比较", "Revision {a} compared with revision {b}"),
    "cmp.reason": ("变更原因", "Change reason"),
    "cmp.no_reason": ("（未填写）", "(none given)"),
    "cmp.prepared": ("{name} 编制于 {time}", "prepared by {name}, {time}"),
    "cmp.legend": (
        "插入的文字带下划线并标注“插入”，删除的文字带删除线并标注“删除”。",
        "Inserted text is underlined and marked “inserted”; deleted text is struck through and marked “deleted”.",
    ),
    "cmp.counts": ("插入 {ins} 字，删除 {dels} 字", "{ins} characters inserted, {dels} deleted"),
    "cmp.ins": ("插入：", "inserted: "),
    "cmp.del": ("删除：", "deleted: "),
    "cmp.ins_end": ("（插入结束）", "(end of insertion)"),
    "cmp.del_end": ("（删除结束）", "(end of deletion)"),
    "cmp.docx": ("下载修订模式的 Word 文件（.docx）", "Download as Word tracked changes (.docx)"),
    "cmp.text": ("正文比较", "Text compared"),
    "cmp.back": ("返回文件", "Back to the document"),
}
