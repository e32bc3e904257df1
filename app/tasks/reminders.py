"""`carbonms remind`: each user's tasks (app.tasks.service), printed or e-mailed when SMTP is configured."""

import os
import smtplib
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.tasks.schemas import Task
from app.tasks.service import park_tasks, today_utc
from app.users.models import Park, User


def reminder_text(user: User, tasks: list[Task], today: date) -> str:
    lines = [f"{user.full_name}（{user.username}）待办 / tasks as of {today}：{len(tasks)}"]
    for task in tasks:
        due = f"{task.due_date}" if task.due_date else "—"
        flag = "【已逾期 overdue】" if task.overdue else ""
        lines.append(f"  - {flag}{task.title_zh} / {task.title_en} [due {due}] {task.link}")
    return "\n".join(lines)


@dataclass
class SmtpSettings:
    host: str
    port: int = 25
    username: str = ""
    password: str = ""
    sender: str = "carbonms@localhost"
    domain: str = ""  # usernames without "@" are sent to username@domain
    starttls: bool = False

    @classmethod
    def from_env(cls) -> "SmtpSettings | None":
        host = os.environ.get("CARBONMS_SMTP_HOST", "").strip()
        if not host:
            return None
        return cls(
            host=host,
            port=int(os.environ.get("CARBONMS_SMTP_PORT", "25") or 25),
            username=os.environ.get("CARBONMS_SMTP_USER", ""),
            password=os.environ.get("CARBONMS_SMTP_PASSWORD", ""),
            sender=os.environ.get("CARBONMS_SMTP_FROM", "carbonms@localhost"),
            domain=os.environ.get("CARBONMS_SMTP_DOMAIN", ""),
            starttls=os.environ.get("CARBONMS_SMTP_STARTTLS", "").lower() in ("1", "true", "yes"),
        )

    def address(self, user: User) -> str | None:
        if "@" in user.username:
            return user.username
        return f"{user.username}@{self.domain}" if self.domain else None


def send_reminders(
    session: Session,
    *,
    today: date | None = None,
    park_code: str | None = None,
    smtp: SmtpSettings | None = None,
    echo: Any = print,
) -> int:
    """Print (or e-mail, when SMTP is configured) each user's tasks; returns how many users had tasks."""
    today = today or today_utc()
    query = select(Park).order_by(col(Park.id))
    if park_code:
        query = query.where(col(Park.code) == park_code)
    parks = list(session.execute(query).scalars())
    client = None
    notified = 0
    try:
        for park in parks:
            per_user = park_tasks(session, park.id, today)
            for user_id, tasks in per_user.items():
                if not tasks:
                    continue
                user = session.get(User, user_id)
                if user is None:
                    continue
                text = reminder_text(user, tasks, today)
                notified += 1
                if smtp is None:
                    echo(f"[{park.code}] {text}\n")
                    continue
                to = smtp.address(user)
                if to is None:
                    echo(f"[{park.code}] {user.username}: no e-mail address (set CARBONMS_SMTP_DOMAIN)")
                    continue
                if client is None:
                    client = smtplib.SMTP(smtp.host, smtp.port, timeout=30)
                    if smtp.starttls:
                        client.starttls()
                    if smtp.username:
                        client.login(smtp.username, smtp.password)
                message = EmailMessage()
                message["Subject"] = f"carbonms 待办提醒 / reminders {today}：{len(tasks)}"
                message["From"] = smtp.sender
                message["To"] = to
                message.set_content(text)
                client.send_message(message)
                echo(f"[{park.code}] {user.username}: {len(tasks)} task(s) e-mailed to {to}")
    finally:
        if client is not None:
            client.quit()
    return notified
