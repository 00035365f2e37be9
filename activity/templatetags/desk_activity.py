from django import template

register = template.Library()


@register.simple_tag
def return_banner(claim, events):
    """The return the claim still waits on (see activity/returned.py), or None."""
    from activity.returned import return_banner as find

    return find(claim, events)
