from django.shortcuts import get_object_or_404, render

from .models import Award, City, FundedProject, Milestone, Partner, Person, Programme, Source


def home(request):
    return render(request, "programmes/home.html", {"sources": Source.objects.for_list()})


def _list(request, model, title):
    return render(
        request,
        "programmes/record_list.html",
        {"title": title, "records": model.objects.for_list()},
    )


def _detail(request, model, slug):
    record = get_object_or_404(model.objects.for_detail(), slug=slug)
    return render(request, "programmes/record_detail.html", {"record": record})


def city_list(request):
    return _list(request, City, "Cities")


def city_detail(request, slug):
    return _detail(request, City, slug)


def partner_list(request):
    return _list(request, Partner, "Partners")


def partner_detail(request, slug):
    return _detail(request, Partner, slug)


def person_list(request):
    return _list(request, Person, "People")


def person_detail(request, slug):
    return _detail(request, Person, slug)


def programme_list(request):
    return _list(request, Programme, "Programmes")


def programme_detail(request, slug):
    return _detail(request, Programme, slug)


def award_list(request):
    return _list(request, Award, "Awards")


def award_detail(request, slug):
    return _detail(request, Award, slug)


def project_list(request):
    return _list(request, FundedProject, "Funded projects")


def project_detail(request, slug):
    return _detail(request, FundedProject, slug)


def milestone_list(request):
    return _list(request, Milestone, "Milestones")


def milestone_detail(request, slug):
    return _detail(request, Milestone, slug)


def source_list(request):
    return render(request, "programmes/source_list.html", {"sources": Source.objects.for_list()})


def source_detail(request, slug):
    source = get_object_or_404(Source.objects.for_detail(), slug=slug)
    passages = source.passages.for_reader()
    return render(
        request, "programmes/source_detail.html", {"source": source, "passages": passages}
    )
