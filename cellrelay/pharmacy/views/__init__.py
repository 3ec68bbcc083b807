"""The pharmacy's pages; their routes are all in ``pharmacy/urls.py``.

- ``storage``: the cryostorage: the tanks' occupancy map, setting up a tank, its readings and alarms, and placing,
  moving and removing a bag;
- ``dispensing``: a bag dispensed for its infusion, with the checks that must hold first.
"""
