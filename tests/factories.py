import factory
from django.contrib.auth import get_user_model

from clusters.models import Authority, Cluster, EmulationYear, Membership, Unit


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authority
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"CQ{n}")
    name = factory.Sequence(lambda n: f"Cơ quan hướng dẫn số {n}")
    kind = Authority.Kind.GUIDING


class ProvincialAuthorityFactory(AuthorityFactory):
    code = "SNV"
    name = "Sở Nội vụ tỉnh Bắc Giang"
    kind = Authority.Kind.STANDING


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"DV{n:03d}")
    name = factory.Sequence(lambda n: f"Đơn vị thành viên số {n}")
    kind = Unit.Kind.DISTRICT


class ClusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cluster

    code = factory.Sequence(lambda n: f"CUM{n}")
    name = factory.Sequence(lambda n: f"Cụm thi đua số {n}")
    kind = Cluster.Kind.CUM
    group = Cluster.Group.A
    calendar = Cluster.Calendar.STANDARD
    authority = factory.SubFactory(ProvincialAuthorityFactory)


class YearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmulationYear
        django_get_or_create = ("year",)

    year = 2025


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    cluster = factory.SubFactory(ClusterFactory)
    year = factory.SubFactory(YearFactory)
    unit = factory.SubFactory(UnitFactory)
    role = Membership.Role.MEMBER


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Hà"
    last_name = "Nguyễn Thu"
    password = factory.PostGenerationMethodCall("set_password", "matkhau-2025")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def hold_annual_conference(cluster, year, *, held_on=None, user=None):
    """The cluster's annual conference (R9, R13) held, its attendance recorded
    for every member unit (R12) and its minutes uploaded: what a proposal
    needs before it is submitted (R34, "Sau hội nghị tổng kết…")."""
    from datetime import date

    from django.core.files.base import ContentFile

    from clusters.models import Attendance, Conference

    conference, _ = Conference.objects.get_or_create(
        cluster=cluster,
        year=year,
        kind=Conference.Kind.ANNUAL,
        defaults={
            "held_on": held_on or date(year.year, 12, 15),
            "place": "Trụ sở đơn vị trưởng cụm, khối",
            "created_by": user,
        },
    )
    if not conference.minutes:
        conference.minutes = ContentFile(b"%PDF-1.4\n%%EOF\n", name="bien-ban-tong-ket.pdf")
        conference.save()
    for membership in Membership.objects.filter(cluster=cluster, year=year):
        Attendance.objects.get_or_create(
            conference=conference,
            membership=membership,
            defaults={"status": Attendance.Status.PRESENT},
        )
    return conference


def discuss_and_submit(scorecard, user):
    """The seed's order for a scorecard [II.1]: the head opens its draft to the
    members ("phải được các thành viên trong cụm, khối thi đua thảo luận thống
    nhất"), every other member unit agrees, and the head submits it."""
    from scoring import services
    from scoring.models import Scorecard, ScorecardPosition

    if scorecard.status in (Scorecard.Status.DRAFT, Scorecard.Status.RETURNED):
        services.scorecard_open_discussion(scorecard=scorecard, user=user)
    for membership in services.consulted_members(scorecard):
        member_user = get_user_model().objects.filter(unit=membership.unit).first()
        current = scorecard.positions.filter(membership=membership).first()
        services.scorecard_position_record(
            scorecard=scorecard,
            membership=membership,
            user=member_user or UserFactory(unit=membership.unit),
            stance=ScorecardPosition.Stance.AGREE,
            comment="",
            revision=current.revision if current else None,
        )
    return services.scorecard_submit(scorecard=scorecard, user=user)
