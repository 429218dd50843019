"""Database models for the group's vocabulary (DESIGN.md §3)."""
from mutualaid.models.audit import AuditEvent
from mutualaid.models.conversation import Conversation
from mutualaid.models.figures import FiguresSnapshot
from mutualaid.models.geo import GeocodeCacheEntry, PostcodePoint
from mutualaid.models.group import Group
from mutualaid.models.imports import ImportUpload
from mutualaid.models.job import JobRun, JobState
from mutualaid.models.login import LoginSession
from mutualaid.models.message import EarlyStatus, Message, SmsSpend
from mutualaid.models.need import Claim, Need, NeedMessage, NeedNote, NeedNotification, Proposal
from mutualaid.models.offer import Offer
from mutualaid.models.person import OptOutHash, Person, VolunteerProfile

__all__ = [
    "AuditEvent", "Claim", "Conversation", "EarlyStatus", "FiguresSnapshot", "GeocodeCacheEntry", "Group", "ImportUpload", "JobRun", "JobState", "LoginSession", "Message", "Need", "NeedMessage", "NeedNote", "NeedNotification", "Offer", "OptOutHash", "Person", "Proposal",
    "PostcodePoint", "SmsSpend", "VolunteerProfile",
]
