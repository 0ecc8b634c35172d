"""Sort orders as people count (issue 18): grids and communities by their number."""

from quanfu.natural_order import natural_key


def test_grids_sort_by_their_number_not_by_code_point():
    names = ["全福第10网格", "全福第2网格", "全福第1网格", "洪楼社区", "全福社区"]
    assert sorted(names, key=natural_key) == [
        "全福社区", "全福第1网格", "全福第2网格", "全福第10网格", "洪楼社区"]


def test_a_name_starting_with_a_number_still_compares():
    assert sorted(["二号院", "3号楼", "10号楼", ""], key=natural_key) == [
        "", "3号楼", "10号楼", "二号院"]
