from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from app.db import SessionDep
from app.deps import AdminUser, ClientAddress, CurrentUser, EntityId
from app.users import service
from app.users.models import ROLE_LABELS, Role, User, UserPublic

router = APIRouter(prefix="/api", tags=["auth & users"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"


class UserCreate(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    role: Role
    full_name: str | None = Field(default=None, max_length=100)
    unit: str | None = Field(default=None, max_length=200)
    assigned_doc_types: list[str] = Field(default_factory=list, max_length=200)


class UserUpdate(BaseModel):
    role: Role | None = None
    is_active: bool | None = None
    full_name: str | None = Field(default=None, max_length=100)
    unit: str | None = Field(default=None, max_length=200)
    assigned_doc_types: list[str] | None = Field(default=None, max_length=200)


class PasswordChange(BaseModel):
    old_password: str = Field(max_length=256)
    new_password: str = Field(max_length=256)


class MeOut(UserPublic):
    role_zh: str
    role_en: str
    park_code: str
    park_name: str


@router.post("/auth/token", response_model=TokenOut)
def issue_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep, address: ClientAddress
) -> TokenOut:
    _user, token = service.authenticate(session, username=form.username, password=form.password, client_address=address)
    return TokenOut(access_token=token)


@router.post("/auth/logout", status_code=204)
def logout(request: Request, user: CurrentUser, session: SessionDep) -> None:
    service.logout(session, user=user, auth_session_id=getattr(request.state, "auth_session_id", None))


@router.get("/users/me", response_model=MeOut)
def me(user: CurrentUser, session: SessionDep) -> MeOut:
    from app.users.models import Park

    park = session.get_one(Park, user.park_id)
    zh, en = ROLE_LABELS[Role(user.role)]
    return MeOut(
        **UserPublic.model_validate(user, from_attributes=True).model_dump(),
        role_zh=zh,
        role_en=en,
        park_code=park.code,
        park_name=park.name,
    )


@router.post("/users/me/password", status_code=204)
def change_password(body: PasswordChange, user: CurrentUser, session: SessionDep, address: ClientAddress) -> None:
    service.change_password(
        session, user=user, old_password=body.old_password, new_password=body.new_password, client_address=address
    )


@router.get("/users", response_model=list[UserPublic])
def list_users(user: AdminUser, session: SessionDep) -> list[User]:
    return service.list_users(session, park_id=user.park_id)


@router.post("/users", response_model=UserPublic, status_code=201)
def create_user(body: UserCreate, user: AdminUser, session: SessionDep) -> User:
    from app.users.models import Park

    park = session.get_one(Park, user.park_id)
    return service.create_user(
        session,
        park=park,
        username=body.username,
        password=body.password,
        role=body.role,
        full_name=body.full_name,
        unit=body.unit,
        assigned_doc_types=body.assigned_doc_types,
        actor=user,
    )


@router.patch("/users/{user_id}", response_model=UserPublic)
def update_user(user_id: EntityId, body: UserUpdate, user: AdminUser, session: SessionDep) -> User:
    return service.update_user(session, actor=user, user_id=user_id, **body.model_dump(exclude_unset=True))
