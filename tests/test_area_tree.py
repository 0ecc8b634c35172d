import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from grids.choices import AreaKind, GridType
from grids.models import Area
from grids.services import create_area, move_subtree


def test_subtree_of_a_community_is_one_query_whatever_the_depth(street,
                                                               django_assert_num_queries):
    with django_assert_num_queries(1):
        codes = sorted(street.community_a.descendants().values_list("code", flat=True))
    assert codes == ["S1-A", "S1-A-G1", "S1-A-G1-M1", "S1-A-G2"]


def test_subtree_of_the_street_is_one_query_and_excludes_other_streets(
        street, django_assert_num_queries):
    with django_assert_num_queries(1):
        areas = list(street.street.descendants())
    assert street.community_other not in areas
    assert {area.kind for area in areas} == set(AreaKind.values)


def test_paths_are_ids_of_ancestors(street):
    micro = street.micro_a1
    assert micro.ancestor_ids() == [street.street.pk, street.community_a.pk, street.grid_a1.pk,
                                    micro.pk]
    assert micro.depth == 4
    assert micro.is_within(street.community_a)
    assert not micro.is_within(street.community_b)


def test_grid_under_a_street_is_refused(street):
    with pytest.raises(ValidationError) as error:
        create_area(kind=AreaKind.GRID, code="BAD", name="x", parent=street.street,
                    grid_type=GridType.BASIC)
    assert "parent" in error.value.message_dict
    assert not Area.objects.filter(code="BAD").exists()


def test_microgrid_under_a_community_is_refused(street):
    with pytest.raises(ValidationError) as error:
        create_area(kind=AreaKind.MICROGRID, code="BAD", name="x", parent=street.community_a)
    assert "parent" in error.value.message_dict


def test_community_without_a_street_is_refused(db):
    with pytest.raises(ValidationError) as error:
        create_area(kind=AreaKind.COMMUNITY, code="BAD", name="x")
    assert "parent" in error.value.message_dict


def test_street_with_a_parent_is_refused(street):
    with pytest.raises(ValidationError) as error:
        create_area(kind=AreaKind.STREET, code="BAD", name="x", parent=street.street)
    assert "parent" in error.value.message_dict


def test_grid_needs_a_grid_type_and_others_have_none(street):
    with pytest.raises(ValidationError) as error:
        create_area(kind=AreaKind.GRID, code="BAD", name="x", parent=street.community_a)
    assert "grid_type" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        create_area(kind=AreaKind.COMMUNITY, code="BAD2", name="x", parent=street.street,
                    grid_type=GridType.BASIC)
    assert "grid_type" in error.value.message_dict


def test_duplicate_code_is_refused_with_a_message_on_code(street):
    with pytest.raises(ValidationError) as error:
        create_area(kind=AreaKind.COMMUNITY, code="S1-A", name="重复", parent=street.street)
    assert "code" in error.value.message_dict
    assert Area.objects.filter(code="S1-A").count() == 1


def test_database_also_refuses_a_grid_type_on_a_community(street):
    with pytest.raises(IntegrityError), transaction.atomic():
        Area.objects.filter(pk=street.community_a.pk).update(grid_type=GridType.BASIC)


def test_moving_an_area_under_its_own_descendant_is_refused(street):
    # Same kinds are needed for a move to be shaped right, so the only way to make a
    # cycle is to pass the node itself (a community under itself is also the wrong kind).
    with pytest.raises(ValidationError) as error:
        move_subtree(street.grid_a1, street.grid_a1)
    assert "parent" in error.value.message_dict
    street.grid_a1.refresh_from_db()
    assert street.grid_a1.parent == street.community_a


def test_cycle_check_catches_a_descendant_even_of_the_right_kind(street):
    area = Area.objects.get(pk=street.community_a.pk)
    area.parent = street.grid_a1  # wrong kind and inside its own subtree
    with pytest.raises(ValidationError):
        area.full_clean(exclude=["path", "depth"])
    # a cycle alone, with the kind check satisfied, is reported too
    area.kind = AreaKind.MICROGRID
    area.parent = street.grid_a1
    with pytest.raises(ValidationError) as error:
        area.clean()
    assert "itself" in str(error.value) or "自身" in str(error.value)


def test_moving_a_grid_to_another_community_moves_its_whole_subtree(street):
    move_subtree(street.grid_a1, street.community_b)
    micro = Area.objects.get(pk=street.micro_a1.pk)
    assert micro.is_within(street.community_b)
    assert not micro.is_within(street.community_a)
    assert micro.depth == 4
    assert set(street.community_b.descendants().values_list("code", flat=True)) >= {
        "S1-A-G1", "S1-A-G1-M1"}


def test_many_streets_live_side_by_side(street):
    assert Area.objects.filter(kind=AreaKind.STREET).count() == 2
    assert not street.community_other.is_within(street.street)
