from django.http import Http404


def _pending(request, *args, **kwargs):
    raise Http404("being built")


publish = publication_page = published_essays = _pending
