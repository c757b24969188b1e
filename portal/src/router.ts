import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { ElMessage } from 'element-plus'
import { onUnauthorized } from './api/client'
import { endSession, isLoggedIn, session } from './lib/session'

// One route per page of the menu (lib/menu.ts); an entry that opens later adds its route here.
const pages: RouteRecordRaw[] = [
  { path: '/home', component: () => import('./views/HomeView.vue') },
  { path: '/openings', component: () => import('./views/OpeningView.vue') },
  { path: '/openings/query', component: () => import('./views/OpeningQueryView.vue') },
  { path: '/members', component: () => import('./views/MemberQueryView.vue') },
  { path: '/members/ledger', component: () => import('./views/MemberLedgerView.vue') },
  { path: '/members/statement', component: () => import('./views/StatementView.vue') },
  { path: '/members/change', component: () => import('./views/MemberChangeView.vue') },
  { path: '/members/changes', component: () => import('./views/MemberChangesView.vue') },
  { path: '/merges', component: () => import('./views/MergeView.vue') },
  { path: '/merges/query', component: () => import('./views/MergeQueryView.vue') },
  { path: '/seals', component: () => import('./views/SealView.vue'), props: { kind: 'seals' } },
  { path: '/unseals', component: () => import('./views/SealView.vue'), props: { kind: 'unseals' } },
  { path: '/seals/query', component: () => import('./views/StatusQueryView.vue'), props: { kind: 'seals' } },
  { path: '/transfers', component: () => import('./views/TransferView.vue') },
  { path: '/transfers/query', component: () => import('./views/StatusQueryView.vue'), props: { kind: 'transfers' } },
  { path: '/annual', component: () => import('./views/AnnualView.vue') },
  { path: '/annual/query', component: () => import('./views/AnnualQueryView.vue') },
  { path: '/employer', component: () => import('./views/EmployerInfoView.vue') },
  { path: '/employer/change', component: () => import('./views/EmployerChangeView.vue') },
  { path: '/employer/changes', component: () => import('./views/EmployerChangesView.vue') },
  { path: '/employer/ledger', component: () => import('./views/EmployerLedgerView.vue') },
  { path: '/employer/suspense', component: () => import('./views/SuspenseView.vue') },
  { path: '/remittances', component: () => import('./views/RemittanceView.vue') },
  { path: '/remittances/query', component: () => import('./views/VerificationQueryView.vue'), props: { kind: 'remittances' } },
  { path: '/supplementaries', component: () => import('./views/SupplementaryView.vue') },
  { path: '/supplementaries/query', component: () => import('./views/VerificationQueryView.vue'), props: { kind: 'supplementaries' } },
  { path: '/payments', component: () => import('./views/PaymentView.vue') },
  { path: '/tasks', component: () => import('./views/TasksView.vue'), props: { mode: 'progress' } },
  { path: '/results', component: () => import('./views/TasksView.vue'), props: { mode: 'results' } },
  { path: '/tasks/:taskId', component: () => import('./views/TaskDetailView.vue'), props: true },
  { path: '/consultations', component: () => import('./views/ConsultationsView.vue') },
]

const routes: RouteRecordRaw[] = [
  { path: '/login', component: () => import('./views/LoginView.vue'), meta: { public: true } },
  { path: '/forgot-password', component: () => import('./views/ForgotPasswordView.vue'), meta: { public: true } },
  { path: '/verify', component: () => import('./views/VerifyView.vue'), meta: { public: true } },
  { path: '/change-password', component: () => import('./views/ChangePasswordView.vue'), meta: { firstLogin: true } },
  { path: '/', component: () => import('./views/LayoutView.vue'), redirect: '/home', children: pages },
  { path: '/:rest(.*)*', redirect: '/home' },
]

export const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach((to) => {
  if (to.meta.public) return isLoggedIn() && !session.mustChangePassword && to.path === '/login' ? '/home' : true
  if (!isLoggedIn()) {
    endSession()
    return { path: '/login', query: to.fullPath !== '/home' && to.fullPath !== '/' ? { next: to.fullPath } : {} }
  }
  // a first login changes its initial password before anything else
  if (session.mustChangePassword && !to.meta.firstLogin) return '/change-password'
  if (!session.mustChangePassword && to.meta.firstLogin) return '/home'
  return true
})

onUnauthorized((error) => {
  if (!session.token) return
  endSession()
  ElMessage.warning(error.message || '登录已失效，请重新登录')
  void router.push({ path: '/login', query: { reason: 'expired' } })
})
