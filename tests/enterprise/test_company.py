"""A company is enrolled under a RUC whose check digit holds."""

import pytest
from django.core.exceptions import ValidationError

from enterprise.models import Company
from identity.models import Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "identification", "message"),
    [
        (Member.Kind.COMPANY, "1790085784001", "El RUC del cliente no es válido."),
        (Member.Kind.PERSON, "1790085783001", "El cliente debe ser una persona jurídica."),
    ],
)
def test_a_company_needs_a_legal_person_with_a_valid_ruc(kind, identification, message):
    member = MemberFactory(kind=kind, identification=identification)
    with pytest.raises(ValidationError) as error:
        Company(member=member, name="X S.A.").full_clean()
    assert error.value.message_dict["member"] == [message]


def test_a_valid_ruc_is_accepted():
    member = MemberFactory(kind=Member.Kind.COMPANY, identification="1790085783001")
    Company(member=member, name="COMERCIAL ANDINA S.A.").full_clean()
