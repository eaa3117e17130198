"""StreamField blocks of the portal pages (bakerydemo habit: every block in one module)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock


class TableRowBlock(blocks.StructBlock):
    label = blocks.CharBlock(label=_("项目"), max_length=100)
    value = blocks.TextBlock(label=_("内容"))


class TableBlock(blocks.StructBlock):
    """A two-column table (项目 / 内容), the shape of most policy tables (标准、额度、期限)."""

    caption = blocks.CharBlock(label=_("表格标题"), required=False, max_length=120)
    rows = blocks.ListBlock(TableRowBlock(), label=_("行"))

    class Meta:
        icon = "table"
        template = "portal/blocks/table.html"
        label = _("表格")


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("引文"))
    source = blocks.CharBlock(label=_("出处"), required=False, max_length=200)

    class Meta:
        icon = "openquote"
        template = "portal/blocks/quote.html"
        label = _("引用")


class BodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(
        label=_("小标题"),
        max_length=120,
        form_classname="title",
        template="portal/blocks/heading.html",
    )
    paragraph = blocks.RichTextBlock(
        label=_("段落"), features=["bold", "italic", "link", "ol", "ul", "document-link"]
    )
    table = TableBlock()
    quote = QuoteBlock()


class AttachmentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("文件"))
    title = blocks.CharBlock(
        label=_("显示名称"), required=False, max_length=200, help_text=_("不填则使用文件标题")
    )

    class Meta:
        icon = "doc-full"
        label = _("附件")


class FaqItemBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("问题"), max_length=200)
    answer = blocks.RichTextBlock(label=_("解答"), features=["bold", "italic", "link", "ol", "ul"])

    class Meta:
        icon = "help"
        label = _("问答")
