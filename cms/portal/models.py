"""The portal's pages: policies, news, events with online registration, FAQ, the product
showcase and the credit lists.

Nothing here copies platform data: the showcase and the lists read the platform's selectors
when a page is served. Policy tags are stored on the page and handed to
``xinyidai.policies.services.policy_publish`` on publication (see ``signals``).
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from risk_models.standards.regions import RegionCodeError, validate_jurisdiction_prefix
from risk_models.standards.sme_size import SIZE_CLASS_CHOICES
from xinyidai.financing import flags
from xinyidai.financing.flags import Scenario

from .blocks import AttachmentBlock, BodyBlock, FaqItemBlock

PAGE_SIZE = 20


class CodeListField(models.JSONField):
    """A list of codes stored as JSON (on any database: the demo runs on SQLite), typed in one
    text box separated by commas, spaces or 、."""

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        return _CodeListInput(
            required=not self.blank,
            label=self.verbose_name,
            help_text=self.help_text,
            **{k: v for k, v in kwargs.items() if k in ("widget", "disabled")},
        )


class _CodeListInput(forms.CharField):
    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list | tuple):
            return [str(v) for v in value]
        text = super().to_python(value) or ""
        return [part for part in re.split(r"[\s,，、;；]+", text) if part]


class ChoiceListField(models.JSONField):
    """A list of choices stored as JSON, edited as check boxes. ``item_choices`` (a list or a
    callable) gives the choices; it is not part of the schema."""

    def __init__(self, *args: Any, item_choices: Any = None, **kwargs: Any) -> None:
        self.item_choices = item_choices
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        choices = self.item_choices() if callable(self.item_choices) else self.item_choices
        return forms.TypedMultipleChoiceField(
            choices=list(choices or []),
            widget=forms.CheckboxSelectMultiple,
            required=not self.blank,
            label=self.verbose_name,
            help_text=self.help_text,
        )


def _paginate(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --------------------------------------------------------------------------- policies


class SectionIndexPage(Page):
    """A section of the portal (policies, news, events): an introduction and its live pages."""

    intro = RichTextField(_("简介"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    max_count_per_parent = 1

    class Meta:
        abstract = True

    def live_children(self, model: type[Page]) -> Any:
        return model.objects.child_of(self).live().public()


class PolicyIndexPage(SectionIndexPage):
    subpage_types = ["portal.PolicyPage"]

    class Meta:
        verbose_name = _("政策栏目")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        policies = self.live_children(PolicyPage).order_by("-issued_on", "-id")
        context["page_obj"] = _paginate(request, policies)
        return context


class PolicyPage(Page):
    authority: models.CharField[str, str] = models.CharField(_("发文机关"), max_length=200)
    document_number: models.CharField[str, str] = models.CharField(
        _("文号"), max_length=100, blank=True
    )
    issued_on: models.DateField[Any, Any] = models.DateField(_("发布日期"))
    regions = CodeListField(
        verbose_name=_("适用地区"),
        default=list,
        blank=True,
        help_text=_(
            "行政区划代码或前缀，用逗号分隔，如 4412（肇庆市）、441202（端州区）；不填表示不限"
        ),
    )
    industries = ChoiceListField(
        item_choices=flags.section_choices,
        verbose_name=_("适用行业门类"),
        default=list,
        blank=True,
        help_text=_("不选表示不限"),
    )
    sizes = ChoiceListField(
        item_choices=SIZE_CLASS_CHOICES,
        verbose_name=_("适用企业规模"),
        default=list,
        blank=True,
        help_text=_("不选表示不限"),
    )
    scenarios = ChoiceListField(
        item_choices=Scenario.choices,
        verbose_name=_("场景标签"),
        default=list,
        blank=True,
    )
    summary: models.TextField[str, str] = models.TextField(_("摘要"), max_length=1000)
    body = StreamField(BodyBlock(), verbose_name=_("正文"), blank=True)
    attachments = StreamField(
        [("attachment", AttachmentBlock())], verbose_name=_("附件"), blank=True
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("authority"), FieldPanel("document_number"), FieldPanel("issued_on")],
            heading=_("发文信息"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("regions"),
                FieldPanel("industries"),
                FieldPanel("sizes"),
                FieldPanel("scenarios"),
            ],
            heading=_("适用范围（惠企政策直达按此匹配企业）"),
        ),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("attachments"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("authority"),
        index.SearchField("document_number"),
        index.SearchField("body"),
        index.FilterField("issued_on"),
    ]
    parent_page_types = ["portal.PolicyIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("政策文件")

    def clean(self) -> None:
        super().clean()
        canonical: list[str] = []
        errors: list[str] = []
        for raw in self.regions or []:
            code = str(raw).strip()
            if not code:
                continue
            try:
                canonical.append(validate_jurisdiction_prefix(code))
            except RegionCodeError as exc:
                errors.append(
                    str(_("适用地区“%(code)s”无效：%(reason)s") % {"code": code, "reason": exc})
                )
        problems: dict[str, list[str]] = {"regions": errors} if errors else {}
        for name, allowed in (
            ("industries", flags.SECTION_CODES),
            ("sizes", flags.SIZE_CODES),
            ("scenarios", Scenario.values),
        ):
            unknown = [str(v) for v in getattr(self, name) or [] if str(v) not in allowed]
            if unknown:
                problems[name] = [str(_("未知的选项：%(codes)s") % {"codes": "、".join(unknown)})]
        if problems:
            raise ValidationError(problems)
        self.regions = sorted(set(canonical))

    @property
    def region_labels(self) -> list[str]:
        from risk_models.standards.regions import region_display

        return [region_display(p.ljust(6, "0")) or p for p in self.regions or []]

    @property
    def industry_labels(self) -> list[str]:
        return flags.industry_labels(flags.industry_mask(self.industries or []))

    @property
    def size_labels(self) -> list[str]:
        return flags.size_labels(flags.size_mask(self.sizes or []))

    @property
    def scenario_labels(self) -> list[str]:
        return flags.labels(Scenario, flags.mask(Scenario, self.scenarios or []))


# --------------------------------------------------------------------------- news


class NewsIndexPage(SectionIndexPage):
    subpage_types = ["portal.NewsPage"]

    class Meta:
        verbose_name = _("新闻栏目")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        news = self.live_children(NewsPage).order_by("-date", "-id")
        context["page_obj"] = _paginate(request, news)
        return context


class NewsPage(Page):
    date: models.DateField[Any, Any] = models.DateField(_("日期"))
    intro: models.CharField[str, str] = models.CharField(_("导语"), max_length=300, blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("正文"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("date"),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["portal.NewsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("新闻")


# --------------------------------------------------------------------------- events


class EventIndexPage(SectionIndexPage):
    subpage_types = ["portal.EventPage"]

    class Meta:
        verbose_name = _("活动栏目")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        events = self.live_children(EventPage)
        now = timezone.now()
        context["upcoming"] = list(events.filter(starts_at__gte=now).order_by("starts_at")[:50])
        context["past"] = list(events.filter(starts_at__lt=now).order_by("-starts_at")[:20])
        return context


class EventPage(Page):
    class Kind(models.TextChoices):
        MATCHMAKING = "matchmaking", _("政银企对接会")
        BRIEFING = "briefing", _("政策宣讲会")

    kind: models.CharField[str, str] = models.CharField(
        _("活动类型"), max_length=20, choices=Kind.choices
    )
    starts_at: models.DateTimeField[Any, Any] = models.DateTimeField(_("开始时间"))
    place: models.CharField[str, str] = models.CharField(_("地点"), max_length=200)
    capacity: models.PositiveIntegerField[int, int] = models.PositiveIntegerField(
        _("名额"), help_text=_("可报名的最多人数")
    )
    registration_deadline: models.DateTimeField[Any, Any] = models.DateTimeField(_("报名截止时间"))
    intro: models.CharField[str, str] = models.CharField(_("活动简介"), max_length=300, blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("详细介绍"), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("kind"),
                FieldPanel("starts_at"),
                FieldPanel("place"),
                FieldPanel("capacity"),
                FieldPanel("registration_deadline"),
            ],
            heading=_("活动安排"),
        ),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("place"),
        index.SearchField("body"),
    ]
    parent_page_types = ["portal.EventIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("活动")

    def clean(self) -> None:
        super().clean()
        if self.capacity is not None and self.capacity < 1:
            raise ValidationError({"capacity": _("名额至少为1人。")})
        if (
            self.registration_deadline
            and self.starts_at
            and self.registration_deadline > self.starts_at
        ):
            raise ValidationError(
                {"registration_deadline": _("报名截止时间不能晚于活动开始时间。")}
            )

    def registration_open(self) -> bool:
        return timezone.now() <= self.registration_deadline

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from . import services
        from .forms import EventRegistrationForm

        if request.method == "POST":
            form = EventRegistrationForm(request.POST)
            if form.is_valid():
                try:
                    services.event_register(event=self, **form.cleaned_data)
                except ValidationError as exc:
                    form.add_service_errors(exc)
                else:
                    from django.contrib import messages

                    messages.success(
                        request, _("报名成功！我们将通过您填写的联系方式发送活动提醒。")
                    )
                    return HttpResponseRedirect(self.get_url(request) or "/")
        else:
            form = EventRegistrationForm()
        context = self.get_context(request, *args, **kwargs)
        context["form"] = form
        status = 400 if request.method == "POST" else 200
        return TemplateResponse(request, self.get_template(request), context, status=status)

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        taken = self.registrations.count()
        context["taken"] = taken
        context["seats_left"] = max(self.capacity - taken, 0)
        context["registration_open"] = self.registration_open() and taken < self.capacity
        return context


class EventRegistration(models.Model):
    """One person's registration for an event: only what the form asks."""

    event = models.ForeignKey(
        EventPage, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("活动")
    )
    name = models.CharField(_("姓名"), max_length=50)
    organization = models.CharField(_("单位名称"), max_length=200)
    phone = models.CharField(_("联系电话"), max_length=20)
    email = models.EmailField(_("电子邮箱"))
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint("event", Lower("email"), name="event_registration_unique_email")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.organization}）"


# --------------------------------------------------------------------------- FAQ


class FaqPage(Page):
    intro = RichTextField(_("简介"), blank=True)
    body = StreamField([("item", FaqItemBlock())], verbose_name=_("问答"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    parent_page_types = ["home.HomePage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("常见问题")


# --------------------------------------------------------------------------- platform views


class ProductShowcasePage(Page):
    """The marketplace's live published products, read through the financing selectors."""

    intro = RichTextField(_("简介"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("产品超市")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from .selectors import product_cards, showcase_products

        context = super().get_context(request, *args, **kwargs)
        page_obj = _paginate(request, showcase_products())
        context["page_obj"] = page_obj
        context["cards"] = product_cards(page_obj)
        return context


class ListsPage(Page):
    """A summary of the public credit lists (read from the rights selectors) with links."""

    intro = RichTextField(_("简介"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("信用名单公示")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from .selectors import list_summaries

        context = super().get_context(request, *args, **kwargs)
        context["lists"] = list_summaries()
        return context
