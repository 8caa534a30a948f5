"""What the "Environment failed" dialog says: what failed, why, and what happened to the plan.

Plain functions of what the window knows (the status, the item that was
running just before, the console text), so the wording is tested without
a dialog. The console holds the whole session; the part that explains the
failure is the last message queue-gui wrote about it, which comes first in
the details, with its traceback, before the console's last lines.
"""

from .formatting import item_text

#: Console messages the manager writes when an environment fails, newest wins.
CAUSE_MARKERS = (
    "queue-gui: the startup profile failed to load:",
    "queue-gui: the environment could not be opened:",
    "queue-gui: worker process died",
)
CONSOLE_TAIL_CHARS = 4000


def failure_cause(console_text):
    """The last failure message of the console, with what follows it (its traceback), or ''."""
    found = max((console_text.rfind(marker) for marker in CAUSE_MARKERS), default=-1)
    if found < 0:
        return ""
    cause = console_text[found:]
    # The traceback ends where queue-gui's next own message starts.
    end = cause.find("\nqueue-gui: ", 1)
    return (cause if end < 0 else cause[: end + 1]).strip()


def describe_failure(status, interrupted_item, console_text):
    """``(text, details)`` for the dialog.

    Parameters
    ----------
    status : dict
        The status that reported ``worker_environment_state == "failed"``.
    interrupted_item : dict or None
        The item that was running just before, if any.
    console_text : str
        Everything the console shows.
    """
    cause = failure_cause(console_text)
    first_line = cause.splitlines()[0].removeprefix("queue-gui: ") if cause else ""
    if "worker process died" in first_line:
        what = f"The worker process that runs the RunEngine died ({first_line.split('(', 1)[-1].rstrip(')')})."
    elif "startup profile failed" in first_line or status.get("profile_error"):
        reason = first_line.split(":", 1)[-1].strip() if first_line else status.get("profile_error")
        what = f"The startup profile failed to load: {reason}"
    elif first_line:
        what = f"The environment could not be opened: {first_line.split(':', 1)[-1].strip()}"
    else:
        what = "The RunEngine environment failed."
    lines = [what]
    if interrupted_item:
        lines.append(f"The plan that was running, {item_text(interrupted_item)}, is back at the front of the queue.")
    else:
        lines.append("No plan was running; the queue is unchanged.")
    lines.append("Fix the cause (see Show Details and the Console), then open the environment again.")
    tail = console_text[-CONSOLE_TAIL_CHARS:]
    details = f"{cause}\n\n--- Console, last lines ---\n{tail}" if cause else tail
    return "\n".join(lines), details
