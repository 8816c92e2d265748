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
