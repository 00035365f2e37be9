from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    """Django's sign-in form, with the attributes password managers and phones expect."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})
        self.error_messages["invalid_login"] = _(
            "That username and password do not match. Both are case-sensitive. "
            "After several failed attempts, sign-in pauses for a few minutes."
        )
