"""Import every model module so that ``Base.metadata`` holds the whole schema."""

from evc.accounts.models import (  # noqa: F401
    AccountToken,
    Membership,
    Organisation,
    RoleOffer,
    User,
    UserSession,
)
from evc.accounts.second_factor.models import (  # noqa: F401
    LoginChallenge,
    RecoveryCode,
    TotpCredential,
)
from evc.assessment.models import (  # noqa: F401
    AssessmentReport,
    AssessmentReturn,
    Assignment,
    Judgement,
    JudgementCorrection,
    Resolution,
)
from evc.audit import AuditEntry  # noqa: F401
from evc.certificates.models import (  # noqa: F401
    Certificate,
    DevelopmentPlanVersion,
    FinalInterview,
)
from evc.db import Base
from evc.mail import OutboxMessage  # noqa: F401
from evc.once import FormSubmission  # noqa: F401
from evc.participation.models import (  # noqa: F401
    Exemption,
    HoursEntry,
    ParticipationAgreement,
    ParticipationReport,
)
from evc.portfolio.models import (  # noqa: F401
    EvidenceComment,
    EvidenceItem,
    EvidenceLink,
    RefereeRequest,
)
from evc.procedure.models import (  # noqa: F401
    CompetencyChoice,
    GroupAttendance,
    GroupMeeting,
    GuidanceSession,
    Intake,
    OrganisationSettings,
    PhaseChange,
    SelfAssessment,
    Trajectory,
)
from evc.protocols.models import (  # noqa: F401
    ApiToken,
    Clearance,
    ClearanceItem,
    ProtocolVersion,
    ReservedActAuthorisation,
    TaskProtocol,
    VolunteerVog,
)
from evc.throttle import ThrottleAttempt  # noqa: F401

metadata = Base.metadata
