"""Discourse's ``user_deleted`` is a *post's* flag (its author deleted that post), which imports
once read as the account being deleted: such members never ranked. Discourse's post data has no
deleted-account flag, so every Discourse identity marked deleted got it that way, except those
whose person asked to be erased."""

from django.db import migrations


def undo_post_flag_as_account(apps, schema_editor):
    Identity = apps.get_model("influencers", "Identity")
    Identity.objects.filter(platform="discourse", is_deleted=True, erasure__isnull=True).update(is_deleted=False)


class Migration(migrations.Migration):
    dependencies = [("influencers", "0009_stackexchange_and_who_removed")]

    operations = [migrations.RunPython(undo_post_flag_as_account, migrations.RunPython.noop)]
