from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .models import Batch, Source, SourceColumn
from .services import batch_progress


class SourceColumnSerializer(serializers.ModelSerializer[SourceColumn]):
    class Meta:
        model = SourceColumn
        fields = [
            "name",
            "label",
            "dtype",
            "unit",
            "required",
            "max_length",
            "min_value",
            "max_value",
            "choices",
            "not_future",
            "aliases",
        ]


class SourceSerializer(serializers.ModelSerializer[Source]):
    columns = SourceColumnSerializer(many=True, read_only=True)

    class Meta:
        model = Source
        fields = [
            "code",
            "name",
            "domain",
            "provider_kind",
            "cadence",
            "key",
            "period_column",
            "due_day",
            "max_gap_days",
            "retention_months",
            "description",
            "is_active",
            "columns",
        ]


class BatchSerializer(serializers.ModelSerializer[Batch]):
    source: serializers.SlugRelatedField[Source] = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="code", read_only=True
    )
    provider = serializers.CharField(source="provider.name", read_only=True)
    progress = serializers.SerializerMethodField()
    error_report_url = serializers.SerializerMethodField()

    class Meta:
        model = Batch
        fields = [
            "id",
            "source",
            "provider",
            "channel",
            "original_name",
            "file_size",
            "sha256",
            "file_format",
            "encoding",
            "status",
            "received_at",
            "started_at",
            "finished_at",
            "rows_total",
            "rows_new",
            "rows_corrected",
            "rows_unchanged",
            "rows_rejected",
            "error_count",
            "error_sample",
            "message",
            "period_min",
            "period_max",
            "progress",
            "error_report_url",
        ]
        read_only_fields = fields

    def get_progress(self, batch: Batch) -> dict[str, Any]:
        return batch_progress(batch)

    def get_error_report_url(self, batch: Batch) -> str | None:
        if not batch.error_report:
            return None
        request = self.context.get("request")
        path = f"/api/v1/batches/{batch.pk}/errors/"
        return request.build_absolute_uri(path) if request else path


class BatchUploadSerializer(serializers.Serializer[Any]):
    source: serializers.SlugRelatedField[Source] = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="code",
        queryset=Source.objects.all(),
        error_messages={"does_not_exist": "没有代码为“{value}”的数据源。"},
    )
    file = serializers.FileField()
