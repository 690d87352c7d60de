"""Referee statements (asked by the volunteer, given through a single-use link) and comments."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from evc import urls
from evc.formfields import filled
from evc.once import consume_once
from evc.portfolio import services
from evc.portfolio.forms import CommentForm, RefereeAnswerForm, RefereeForm
from evc.portfolio.loaders import ITEM
from evc.portfolio.models import EvidenceItem
from evc.portfolio.views.blueprint import bp
from evc.web import actor, done, page, permission, press, public, save

REFEREE_LINK = "referee"


def _item_url(item: EvidenceItem) -> str:
    return url_for("portfolio.item", item_id=item.id)


@bp.route("/bewijs/<int:item_id>/verklaring-vragen", methods=["GET", "POST"])
@permission(
    "evidence.edit", ITEM, refusal=_l("Alleen de vrijwilliger vraagt een verklaring aan.")
)
def ask_referee(item: EvidenceItem):
    form = RefereeForm()

    def action():
        consume_once(form)
        services.request_referee(
            item,
            name=filled(form.name.data),
            role=filled(form.role.data),
            email=filled(form.email.data),
            actor=actor(),
        )
        message = _(
            "%(name)s krijgt een e-mail met een link om je verklaring te bevestigen.",
            name=form.name.data,
        )
        return done(_item_url(item), message)

    return save(form, action, page("portfolio/ask_referee.html", form=form, item=item))


@bp.route("/verklaring/<secret:token>")
@public
def referee_link(token: str):
    return urls.keep(REFEREE_LINK, token, url_for("portfolio.referee"))


@bp.route("/verklaring", methods=["GET", "POST"])
@public
def referee():
    """The referee's page: no account, a single-use expiring link (its token kept in the
    session by the link)."""
    request_record = services.find_referee_request(urls.kept(REFEREE_LINK))
    if request_record is None:
        return render_template("portfolio/referee_invalid.html"), 410
    form = RefereeAnswerForm()

    def action():
        confirm = form.answer.data == "confirm"
        services.answer_referee(request_record, confirm=confirm, words=form.words.data or "")
        urls.forget(REFEREE_LINK)
        return render_template("portfolio/referee_done.html", request_record=request_record)

    view = page(
        "portfolio/referee.html",
        form=form,
        request_record=request_record,
        item=request_record.item,
        volunteer=request_record.item.trajectory.volunteer,
    )
    return save(form, action, view)


@bp.route("/bewijs/<int:item_id>/reactie", methods=["POST"])
@permission("evidence.comment", ITEM)
def comment(item: EvidenceItem):
    form = CommentForm()
    back = _item_url(item) + "#reacties"

    def action():
        consume_once(form)
        services.add_comment(item, filled(form.body.data), actor=actor())
        return done(back, _("Je reactie is geplaatst."))

    return press(action, back, form, invalid=_("Schrijf eerst een reactie."))
