from django.http import Http404
from django.views import View


class DashboardView(View):
    def get(self, request):
        raise Http404("being built")


MyQueueView = DashboardView


def bulk_action(request):
    raise Http404("being built")
