"""The signed-in user, read on every request (#17)."""

from django.contrib.auth.backends import ModelBackend

from emulation.models import User
from emulation.prepared import PreparedInstances

# As ModelBackend.get_user reads it, compiled once per process: building that
# statement cost a tenth of a save's CPU at the deadline peak, and making the
# instance through Model.__init__ half of what was left.
_USER_BY_PK = PreparedInstances(User, lambda pk: User.objects.filter(pk=pk).order_by())


class UserBackend(ModelBackend):
    """Django's ModelBackend, reading the session's user with the prepared statement."""

    def get_user(self, user_id):
        if type(user_id) is not int:
            return super().get_user(user_id)
        found = _USER_BY_PK.fetch(user_id)
        return found[0] if found and self.user_can_authenticate(found[0]) else None
