"""Uploads above the stated limit are refused on the form, with the limit."""

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile

from trainingweek.forms import UploadField


class _Form(forms.Form):
    file = UploadField()


@pytest.mark.usefixtures("english_ui")
def test_a_file_over_the_limit_is_refused_and_one_at_it_accepted(settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    over = _Form(files={"file": SimpleUploadedFile("a.xlsx", b"x" * (1024 * 1024 + 1))})
    assert not over.is_valid()
    assert over.errors["file"] == ["The file is larger than 1 MB."]
    at = _Form(files={"file": SimpleUploadedFile("a.xlsx", b"x" * (1024 * 1024))})
    assert at.is_valid()
