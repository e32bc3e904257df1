"""Words of the archival check (四性检测, app/archival): its properties, checks, verdicts, origins and scopes, merged
into app/labels.py's one table.

The property names are those of DA/T 70—2018《文书类电子档案检测一般要求》 (真实性、完整性、可用性、安全性); the checks
are the ones carbonms makes, not that standard's every item. Imports nothing, so the core label table may take it in.
"""

ARCHIVAL_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "archival_property": {
        "authenticity": ("真实性", "Authenticity"),
        "integrity": ("完整性", "Integrity"),
        "usability": ("可用性", "Usability"),
        "security": ("安全性", "Security"),
    },
    "archival_check": {
        "blob_hash": ("文件哈希与内容一致", "File SHA-256 matches its bytes"),
        "signature_hash": ("电子签名所签文件即本版本文件", "Each signature signed this revision's file"),
        "audit_chain": ("审计追踪链（哈希链与锚点）校验通过", "Audit trail chain (hashes and anchors) verifies"),
        "lifecycle_events": ("生命周期事件齐全且有操作人", "Lifecycle events present, with their actors"),
        "blob_present": ("文件存在", "File present"),
        "metadata": ("必要元数据齐全", "Required metadata present"),
        "version_chain": ("版本号连续（1…n）", "Version numbers without gaps (1…n)"),
        "record_period": ("记录有所属期间", "Record has its period"),
        "media_type": ("内容识别的类型与登记类型一致", "Type detected from content equals the stored type"),
        "openable": ("文件可打开（文字提取或解析成功）", "File opens (text extraction or parsing succeeds)"),
        "format_allowed": ("文件格式在允许范围内", "File format is allowed"),
        "access_level": ("已设置访问级别", "Access level set"),
        "file_mode": ("存储文件不可被他人改写", "Stored file not writable by others"),
        "part_files": ("无中断上传遗留的临时文件", "No part files left by interrupted uploads"),
    },
    "archival_verdict": {
        "passed": ("通过", "Passed"),
        "failed": ("未通过", "Failed"),
    },
    "archival_outcome": {
        "passed": ("通过", "Passed"),
        "failed": ("未通过", "Failed"),
        "not_checked": ("未检（前提不满足）", "Not checked (precondition not met)"),
    },
    "archival_origin": {
        "on_demand": ("按需检测", "On demand"),
        "export": ("证据包导出前检测", "Before an evidence package export"),
    },
    "archival_scope": {
        "park": ("全园区", "Whole park"),
        "doc_types": ("按文件类型", "By document type"),
        "clause": ("按条款", "By clause"),
        "documents": ("指定文件", "Selected documents"),
    },
    "event": {
        "archival.check": ("四性检测", "archival check (four properties)"),
    },
}
