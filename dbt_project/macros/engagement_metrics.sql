{#
    Why: every summary shows the same engagement figures, and a ratio of a group must be the sum
    of its numerators over the sum of its denominators (a big page weighs more than a small one),
    never an average of per-page ratios. engagement_sums() aggregates the parts over the active
    page-days of a group (fct_page_daily columns, posts of the 7-day window as observed on the
    snapshot date); engagement_ratios() turns the parts into the ratios, named by denominator:

      er_views       = interactions of posts with known views / views         (Popsters ERview, TGStat ER)
      er_subscribers = interactions / (posts × subscribers), per post         (Popsters average ERpost)
      err            = views / (posts with known views × subscribers)         (TGStat ERR: avg views per post / subscribers)

    A counter the API did not give is unknown (NULL), not 0: a ratio takes, on both sides, only
    the posts whose counters it needs are known (er_views: views and interactions known;
    er_subscribers: interactions known), and pages whose posts were not read (posts_7d NULL,
    fetch_status 'posts_unread') add nothing to either side.

    Ratios are fractions (0.02 = 2 %), rounded to 6 decimals; null when the denominator is 0.
#}
{% macro engagement_sums(relation_alias=none) -%}
    {%- set p = (relation_alias ~ '.') if relation_alias else '' -%}
    coalesce(sum({{ p }}views_7d) filter (where {{ p }}is_active), 0) as views_per_week,
    coalesce(sum({{ p }}interactions_7d) filter (where {{ p }}is_active), 0) as interactions_per_week,
    coalesce(sum({{ p }}interactions_with_views_7d) filter (where {{ p }}is_active), 0)
        as er_views_numerator,
    coalesce(sum({{ p }}views_with_interactions_7d) filter (where {{ p }}is_active), 0)
        as er_views_denominator,
    coalesce(
        sum({{ p }}posts_with_interactions_7d::bigint * {{ p }}members_count) filter (where {{ p }}is_active), 0
    ) as er_subscribers_denominator,
    coalesce(
        sum({{ p }}posts_with_views_7d::bigint * {{ p }}members_count) filter (where {{ p }}is_active), 0
    ) as err_denominator
{%- endmacro %}

{% macro engagement_ratios(relation_alias) -%}
    coalesce({{ relation_alias }}.views_per_week, 0)::bigint as views_per_week,
    coalesce({{ relation_alias }}.interactions_per_week, 0)::bigint as interactions_per_week,
    round({{ safe_divide(relation_alias ~ '.er_views_numerator', relation_alias ~ '.er_views_denominator') }}, 6)
        as er_views,
    round(
        {{ safe_divide(relation_alias ~ '.interactions_per_week', relation_alias ~ '.er_subscribers_denominator') }},
        6
    ) as er_subscribers,
    round({{ safe_divide(relation_alias ~ '.views_per_week', relation_alias ~ '.err_denominator') }}, 6)
        as err
{%- endmacro %}
