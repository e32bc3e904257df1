"""Words of the revision previews (app/previews/): the preview state, why there is none, the action.

Imports nothing, so the core label table may take it in.
"""

PREVIEW_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "preview_state": {
        "pending": ("预览生成中", "Preview being made"),
        "ready": ("预览已生成", "Preview ready"),
        "failed": ("预览生成失败", "Preview failed"),
        "unavailable": ("无法生成预览", "Preview unavailable"),
    },
    # why a revision has no preview (RevisionPreviewStatus.reason)
    "preview_reason": {
        "no_pdftoppm": (
            "服务器未安装 poppler（pdftoppm），无法生成页面图像",
            "poppler (pdftoppm) is not installed on the server, so no page images can be made",
        ),
        "no_soffice": (
            "服务器未安装 LibreOffice，无法将 Word/Excel 文件转换为页面图像",
            "LibreOffice is not installed on the server, so Word/Excel files cannot be turned into page images",
        ),
        "no_converter": (
            "该文件类型暂不支持预览，请下载后查看",
            "This file type has no preview; download it to view it",
        ),
        "convert_failed": (
            "文件无法转换为 PDF（可能已损坏），请下载后查看",
            "The file could not be converted to PDF (it may be damaged); download it to view it",
        ),
        "render_failed": (
            "无法生成页面图像（文件可能已损坏），请下载后查看",
            "The page images could not be made (the file may be damaged); download it to view it",
        ),
        "timeout": ("生成预览超时，请下载后查看", "Making the preview took too long; download the file to view it"),
        "image_too_large": ("图像尺寸过大，无法生成预览", "The image is too large to preview"),
        "file_missing": ("文件不存在或已丢失", "The file does not exist or is missing"),
    },
    "preview_action": {"generate": ("重新生成预览", "Make the preview again")},
    # the audit trail's words for the preview events (app/previews/lifecycle.py)
    "event": {
        "revision.preview_start": ("排队生成预览", "preview queued"),
        "revision.preview_ready": ("预览已生成", "preview made"),
        "revision.preview_fail": ("预览生成失败", "preview failed"),
        "revision.preview_unavailable": ("无法生成预览", "preview unavailable"),
        "revision.preview_generate": ("要求重新生成预览", "preview asked for again"),
    },
}
