from fastapi import APIRouter

router = APIRouter(prefix="/internal/v1", tags=["internal"], include_in_schema=False)
