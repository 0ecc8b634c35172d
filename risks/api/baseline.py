"""The load benchmark's baseline (bench/load.py, issue 22): the register's first page for
the caller — the same scope, order, columns, count and stage clocks as ``GET risks/`` —
answered by a bare Django view from ONE raw SQL statement that builds the JSON body in
PostgreSQL, behind the same middleware and the same token check. The API's throughput is
measured as a share of this one in the same run.

Mounted only when BENCH_BASELINE is set (the benchmark's gunicorn): never in production.
"""

from django.db import connection
from django.db.models import F
from django.http import HttpResponse, JsonResponse
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.authentication import ApiTokenAuthentication
from risks.api.serializers import LIST_ROW_FIELDS
from risks.scoping import visible_risks

PAGE_SIZE = 50


def first_page(request):
    try:
        authenticated = ApiTokenAuthentication().authenticate(Request(request))
    except AuthenticationFailed as error:
        return JsonResponse({"detail": str(error.detail)}, status=401)
    if authenticated is None:
        return JsonResponse({"detail": "Authentication credentials were not provided."},
                            status=401)
    scoped = visible_risks(authenticated[0])
    page = (scoped.annotate(category_code=F("category__code"), subtype_code=F("subtype__code"))
            .order_by("-updated_at", "-id").values(*LIST_ROW_FIELDS)[:PAGE_SIZE])
    page_sql, page_params = page.query.sql_with_params()
    count_sql, count_params = scoped.order_by().values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH page AS ({page_sql}) SELECT json_build_object("
            f"'count', (SELECT COUNT(*) FROM ({count_sql}) AS scoped), "
            "'next', NULL, 'previous', NULL, "
            "'results', COALESCE((SELECT json_agg(row_to_json(page_row) "
            "ORDER BY page_row.updated_at DESC, page_row.id DESC) FROM ("
            "SELECT page.*, (SELECT COALESCE(json_agg(json_build_object("
            "'stage', c.stage, 'started_at', c.started_at, 'yellow_at', c.yellow_at, "
            "'red_at', c.red_at, 'paused_at', c.paused_at)), '[]') "
            "FROM risks_stageclock c WHERE c.risk_id = page.id AND c.stopped_at IS NULL) "
            "AS clocks FROM page) AS page_row), '[]'))::text",
            [*page_params, *count_params])
        body = cursor.fetchone()[0]
    return HttpResponse(body, content_type="application/json")
