"""One named QuerySet method per page: each picks its joins, and a test pins its query count."""

from django.db import models
from django.db.models import Prefetch


def _passages():
    from .models import Passage

    return Prefetch("passages", queryset=Passage.objects.select_related("source"))


class SourceQuerySet(models.QuerySet):
    def for_list(self):
        return self.defer("text").annotate(passage_count=models.Count("passages"))

    def for_detail(self):
        return self


class PassageQuerySet(models.QuerySet):
    def for_reader(self):
        """Passages of one source with every record that cites them."""
        return self.prefetch_related(
            "cities",
            "partners",
            "people",
            "programmes",
            "awards",
            "funded_projects",
            "milestones",
        ).defer("source__text")


class CityQuerySet(models.QuerySet):
    def for_list(self):
        return self.prefetch_related(_passages()).annotate(
            programme_count=models.Count("participations__programme", distinct=True),
            project_count=models.Count("funded_projects", distinct=True),
        )

    def for_detail(self):
        return self.prefetch_related(_passages())


class PartnerQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("city").prefetch_related(_passages())

    def for_detail(self):
        return self.select_related("city").prefetch_related(_passages())


class PersonQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("organisation").prefetch_related(_passages())

    def for_detail(self):
        return self.select_related("organisation").prefetch_related(_passages())


class ProgrammeQuerySet(models.QuerySet):
    def for_list(self):
        return self.prefetch_related(_passages(), "participations__city", "participations__partner")

    def for_detail(self):
        return self.prefetch_related(
            _passages(),
            "participations__city",
            "participations__partner",
            "participations__passages__source",
        )


class AwardQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("conferred_by", "recipient", "recommended_by").prefetch_related(
            _passages()
        )

    def for_detail(self):
        return self.for_list()


class FundedProjectQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related(
            "programme", "city", "sector", "sector__category"
        ).prefetch_related("funders", _passages())

    def for_detail(self):
        return self.select_related(
            "programme", "city", "sector", "sector__category"
        ).prefetch_related("funders", "implementers", _passages())


class MilestoneQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("programme").prefetch_related("cities", "partners", _passages())

    def for_detail(self):
        return self.for_list()
