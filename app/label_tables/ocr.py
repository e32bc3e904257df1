"""Words of text recognition (识别) of scanned documents: the recognition's states and its audit events, merged into
app/labels.py's one table.

Imports nothing, so the core label table may take it in.
"""

OCR_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "recognition_state": {
        "none": ("无需识别", "No recognition needed"),
        "pending": ("识别中", "Recognising"),
        "running": ("识别中", "Recognising"),
        "done": ("已识别", "Recognised"),
        "failed": ("识别失败", "Recognition failed"),
    },
    "recognition_action": {
        "retry": ("重新识别", "Retry recognition"),
    },
    # the document page's words for it (app/web/templates/_recognition.html)
    "recognition_text": {
        "title": ("文字识别", "Text recognition"),
        "summary": ("共 %d 页，识别出 %d 个字符", "%d page(s), %d characters recognised"),
        "engine": ("识别引擎", "Engine"),
        "waiting": (
            "后台识别中，完成后即可搜索；请稍后刷新本页。",
            "Recognising in the background; searchable once done. Reload the page in a while.",
        ),
        "reason": ("原因", "Reason"),
        "retry_hint": ("安装缺少的组件或更换文件后，可重新识别。", "After installing what was missing, retry."),
    },
    "event": {
        "recognition.queue": ("排队识别文字", "queued text recognition"),
        "recognition.start": ("开始识别文字", "started text recognition"),
        "recognition.finish": ("文字识别完成", "recognised the text"),
        "recognition.fail": ("文字识别失败", "text recognition failed"),
        "recognition.retry": ("重新识别文字", "retried text recognition"),
    },
}
